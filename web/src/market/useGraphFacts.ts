// What the editor shows beside a graph, for a graph that is not open in it: its check result and
// its generated code (POST /check and /codegen, once per graph).
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { CheckResult, Graph } from "../api/types";

export interface GraphFacts {
  result: CheckResult | null;
  files: Record<string, string>;
  error: string | null;
}

export function useGraphFacts(graph: Graph | null): GraphFacts {
  const [facts, setFacts] = useState<GraphFacts>({ result: null, files: {}, error: null });
  useEffect(() => {
    if (!graph) return;
    const ctl = new AbortController();
    const failed = (e: Error) => e.name !== "AbortError" && setFacts((f) => ({ ...f, error: e.message }));
    api.check(graph, ctl.signal).then((result) => setFacts((f) => ({ ...f, result })), failed);
    api.codegen(graph, ctl.signal).then((r) => setFacts((f) => ({ ...f, files: r.files ?? {} })), failed);
    return () => ctl.abort();
  }, [graph]);
  return facts;
}
