// Top-to-bottom auto-layout with dagre.
import dagre from "@dagrejs/dagre";
import type { Body, Position } from "../api/types";

export const NODE_W = 200;
export const NODE_H = 90;

type Size = { width?: number; height?: number } | undefined;

/** Positions for every node; `sizeOf` gives measured sizes where known (errors make nodes bigger). */
export function autoLayout(body: Body, sizeOf: (id: string) => Size = () => undefined): Record<string, Position> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 60 });
  g.setDefaultEdgeLabel(() => ({}));
  const size = (id: string) => {
    const s = sizeOf(id);
    return { width: s?.width ?? NODE_W, height: s?.height ?? NODE_H };
  };
  for (const n of body.nodes) g.setNode(n.id, size(n.id));
  for (const e of body.edges) g.setEdge(e.source.node, e.target.node);
  dagre.layout(g);
  const out: Record<string, Position> = {};
  for (const n of body.nodes) {
    const p = g.node(n.id);
    // dagre gives centres; React Flow positions are top-left corners.
    if (p) out[n.id] = { x: Math.round(p.x - p.width / 2), y: Math.round(p.y - p.height / 2) };
  }
  return out;
}
