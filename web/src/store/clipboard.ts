// Copy, paste and duplicate of the selected nodes (with the edges between them).
import type { Body, Edge, GraphNode } from "../api/types";
import { freshId } from "../graph/ids";
import { currentBody, useDoc } from "./doc";
import { commitBody } from "./history";
import { select } from "./actions";

let clipboard: Body | null = null;

function selectedPart(): Body | null {
  const s = useDoc.getState();
  const body = currentBody(s);
  const nodes = body.nodes.filter((n) => s.selected[n.id]);
  if (!nodes.length) return null;
  const ids = new Set(nodes.map((n) => n.id));
  return { nodes, edges: body.edges.filter((e) => ids.has(e.source.node) && ids.has(e.target.node)) };
}

export function copy(): boolean {
  clipboard = selectedPart();
  return clipboard !== null;
}

function pasteBody(part: Body, offset = 40): void {
  const taken = new Set(currentBody(useDoc.getState()).nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  const nodes: GraphNode[] = part.nodes.map((n) => {
    const base = n.kind === "layer" ? n.type : n.kind === "module" ? n.module : n.id.replace(/_\d+$/, "");
    const id = freshId(base, taken);
    rename.set(n.id, id);
    return { ...n, id, name: null, position: { x: n.position.x + offset, y: n.position.y + offset } };
  });
  const edges: Edge[] = part.edges.map((e) => ({
    source: { node: rename.get(e.source.node)!, port: e.source.port },
    target: { node: rename.get(e.target.node)!, port: e.target.port },
  }));
  commitBody((b) => ({ nodes: [...b.nodes, ...nodes], edges: [...b.edges, ...edges] }));
  select(nodes.map((n) => n.id));
}

export function paste(): void {
  if (!clipboard) return;
  pasteBody(clipboard);
  // Paste again lands further along rather than on top of the previous paste.
  clipboard = {
    ...clipboard,
    nodes: clipboard.nodes.map((n) => ({ ...n, position: { x: n.position.x + 40, y: n.position.y + 40 } })),
  };
}

export function duplicate(): void {
  const part = selectedPart();
  if (part) pasteBody(part);
}
