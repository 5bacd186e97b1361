import type { Body, GraphNode } from "../api/types";

/** Nodes in data-flow order (Kahn); nodes on a cycle keep their document order at the end. */
export function topoOrder(body: Body): GraphNode[] {
  const indeg = new Map(body.nodes.map((n) => [n.id, 0]));
  const next = new Map<string, string[]>();
  for (const e of body.edges) {
    if (!indeg.has(e.source.node) || !indeg.has(e.target.node)) continue;
    indeg.set(e.target.node, indeg.get(e.target.node)! + 1);
    next.set(e.source.node, [...(next.get(e.source.node) ?? []), e.target.node]);
  }
  const byId = new Map(body.nodes.map((n) => [n.id, n]));
  const queue = body.nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const out: GraphNode[] = [];
  for (let i = 0; i < queue.length; i++) {
    out.push(byId.get(queue[i])!);
    for (const t of next.get(queue[i]) ?? []) {
      indeg.set(t, indeg.get(t)! - 1);
      if (indeg.get(t) === 0) queue.push(t);
    }
  }
  const seen = new Set(out.map((n) => n.id));
  return [...out, ...body.nodes.filter((n) => !seen.has(n.id))];
}
