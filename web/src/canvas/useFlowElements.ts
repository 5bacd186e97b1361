// React Flow nodes and edges derived from the open body. Each flow object is cached by the
// identity of its document object (documents are immutable), so an edit elsewhere leaves it
// untouched and React Flow skips re-rendering it.
import { useMemo, useRef } from "react";
import type { Body, GraphNode } from "../api/types";
import { edgeId } from "../store/doc";
import type { GraphFlowEdge, GraphFlowNode } from "./types";

type Size = { width: number; height: number };
/** A node's size and handles before it is drawn (see useFlowNodes). */
export type Estimate = (n: GraphNode) => Pick<GraphFlowNode, "measured" | "handles">;
interface NodeCacheEntry { src: GraphNode; selected: boolean; hidden: boolean; size?: Size; estimate?: Estimate; flow: GraphFlowNode }

// Not "input"/"output": React Flow styles its built-in node types of those names.
const nodeType = (n: GraphNode) => (n.kind === "input" ? "tcInput" : n.kind === "output" ? "tcOutput" : "tcLayer");

/**
 * `hidden`: the overview canvas draws the nodes (Overview.tsx); React Flow keeps them unmounted.
 * `estimate` (big graphs): a node not measured yet gets an estimated size and handles. React Flow
 * renders every node that has no handle bounds, visible or not, to measure it: opening a
 * 1,000-node model mounted all 1,000 full nodes (and unmounted them at the fit), whatever
 * onlyRenderVisibleElements said. With the estimate only the visible ones mount; each is
 * measured when it comes into view, and its real size and handles replace the estimate.
 */
export function useFlowNodes(
  body: Body,
  selected: Record<string, true>,
  sizes: Map<string, Size>,
  sizesVersion: number,
  hidden = false,
  estimate?: Estimate,
): GraphFlowNode[] {
  const cache = useRef(new Map<string, NodeCacheEntry>());
  return useMemo(() => {
    const next = new Map<string, NodeCacheEntry>();
    const out = body.nodes.map((n) => {
      const sel = !!selected[n.id];
      const size = sizes.get(n.id);
      const hit = cache.current.get(n.id);
      const est = size ? undefined : estimate;
      if (hit && hit.src === n && hit.selected === sel && hit.size === size && hit.hidden === hidden && hit.estimate === est) {
        next.set(n.id, hit);
        return hit.flow;
      }
      const flow: GraphFlowNode = {
        id: n.id,
        type: nodeType(n),
        position: n.position,
        data: { node: n },
        selected: sel,
        ...(hidden ? { hidden } : {}),
        ...(size ? { measured: size } : est ? est(n) : {}),
      };
      next.set(n.id, { src: n, selected: sel, hidden, size, estimate: est, flow });
      return flow;
    });
    cache.current = next;
    return out;
    // sizesVersion tells the memo that the (mutable) sizes map changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [body.nodes, selected, sizesVersion, hidden, estimate]);
}

interface EdgeCacheEntry { src: Body["edges"][number]; selected: boolean; lane?: number; flow: GraphFlowEdge }

/** `lanes`: the x of the lane an edge takes around the nodes in its way (canvas/route.ts). */
export function useFlowEdges(body: Body, selected: Record<string, true>, lanes?: Map<string, number> | null): GraphFlowEdge[] {
  const cache = useRef(new Map<string, EdgeCacheEntry>());
  return useMemo(() => {
    const next = new Map<string, EdgeCacheEntry>();
    const out = body.edges.map((e) => {
      const id = edgeId(e);
      const sel = !!selected[id];
      const lane = lanes?.get(id);
      const hit = cache.current.get(id);
      if (hit && hit.src === e && hit.selected === sel && hit.lane === lane) {
        next.set(id, hit);
        return hit.flow;
      }
      const flow: GraphFlowEdge = {
        id,
        source: e.source.node,
        sourceHandle: e.source.port,
        target: e.target.node,
        targetHandle: e.target.port,
        type: "shape",
        selected: sel,
        data: { sourcePort: e.source.port, lane },
      };
      next.set(id, { src: e, selected: sel, lane, flow });
      return flow;
    });
    cache.current = next;
    return out;
  }, [body.edges, selected, lanes]);
}
