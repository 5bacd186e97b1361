// A read-only view of a graph that is not the open document (a market model): the node
// components read their check result and module definitions from here instead of the editor's
// stores when a provider is present.
import { createContext, useContext } from "react";
import type { CheckResult, ModuleDef } from "../api/types";

export interface GraphView {
  result: CheckResult | null;
  modules: ModuleDef[];
}

export const GraphViewContext = createContext<GraphView | null>(null);
export const useGraphView = () => useContext(GraphViewContext);
