// Top-to-bottom auto-layout with dagre; a long chain is wrapped into side-by-side columns so that
// it fits the canvas at a readable zoom instead of one column at zoom 0.35.
import dagre from "@dagrejs/dagre";
import type { Body, Position } from "../api/types";

/** Every layer node is this wide (styles.css .tc-node); heights vary a little with the content. */
export const NODE_W = 200;
export const NODE_H = 80;
/** Below this zoom node text and edge labels are too small to read. */
export const READABLE_ZOOM = 0.6;
const COMFORTABLE_ZOOM = 0.75;
const COL_GAP = 90;
const MAX_COLUMNS = 6;

type Size = { width?: number; height?: number } | undefined;
export type Viewport = { width: number; height: number };

interface Box { id: string; x: number; y: number; w: number; h: number }

/** The zoom at which `w` x `h` (flow units) fits in `view`, with a margin, capped at 1. */
export function fitZoom(w: number, h: number, view: Viewport, margin = 40): number {
  return Math.min(1, (view.width - 2 * margin) / Math.max(w, 1), (view.height - 2 * margin) / Math.max(h, 1));
}

/** Bounds of the nodes' positions with the default node size (for documents not yet on screen). */
export function bodyBounds(body: Body): { w: number; h: number } {
  if (!body.nodes.length) return { w: 0, h: 0 };
  const xs = body.nodes.map((n) => n.position?.x ?? 0), ys = body.nodes.map((n) => n.position?.y ?? 0);
  return { w: Math.max(...xs) - Math.min(...xs) + NODE_W, h: Math.max(...ys) - Math.min(...ys) + NODE_H };
}

/**
 * Split dagre's ranks (rows) into `k` consecutive runs of rows, one per column, and return the
 * boxes moved into their columns. Row runs are balanced by height.
 */
function wrap(boxes: Box[], k: number, colWidth: number): Box[] {
  if (k <= 1) return boxes;
  const rows = new Map<number, Box[]>();
  for (const b of boxes) {
    const key = Math.round(b.y);
    rows.set(key, [...(rows.get(key) ?? []), b]);
  }
  const ys = [...rows.keys()].sort((a, b) => a - b);
  const top = ys[0];
  const bottom = Math.max(...boxes.map((b) => b.y + b.h));
  const per = (bottom - top) / k;
  const out: Box[] = [];
  let col = 0, colTop = top;
  for (const y of ys) {
    // Start the next column once this row would begin past the column's share of the height.
    if (col < k - 1 && y - top >= per * (col + 1) && y > colTop) {
      col++;
      colTop = y;
    }
    for (const b of rows.get(y)!) out.push({ ...b, x: b.x + col * (colWidth + COL_GAP), y: b.y - colTop + top });
  }
  return out;
}

const extent = (boxes: Box[]) => {
  const x0 = Math.min(...boxes.map((b) => b.x)), x1 = Math.max(...boxes.map((b) => b.x + b.w));
  const y0 = Math.min(...boxes.map((b) => b.y)), y1 = Math.max(...boxes.map((b) => b.y + b.h));
  return { w: x1 - x0, h: y1 - y0 };
};

/**
 * Positions for every node; `sizeOf` gives measured sizes where known. With `view` (the canvas
 * size), a graph that would only fit below the readable zoom is wrapped into as many columns as
 * fit it best (a ResNet's branches stay in their column; only whole rows move).
 */
export function autoLayout(body: Body, sizeOf: (id: string) => Size = () => undefined, view?: Viewport): Record<string, Position> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 50 });
  g.setDefaultEdgeLabel(() => ({}));
  const size = (id: string) => {
    const s = sizeOf(id);
    return { width: s?.width ?? NODE_W, height: s?.height ?? NODE_H };
  };
  for (const n of body.nodes) g.setNode(n.id, size(n.id));
  for (const e of body.edges) g.setEdge(e.source.node, e.target.node);
  dagre.layout(g);
  let boxes: Box[] = [];
  for (const n of body.nodes) {
    const p = g.node(n.id);
    // dagre gives centres; React Flow positions are top-left corners. Rows share a top edge.
    if (p) boxes.push({ id: n.id, x: p.x - p.width / 2, y: p.y - p.height / 2, w: p.width, h: p.height });
  }
  if (view && boxes.length > 2) {
    const one = extent(boxes);
    if (fitZoom(one.w, one.h, view) < READABLE_ZOOM) {
      // The fewest columns that fit comfortably (every column break is a long edge back up);
      // failing that, the columns that give the biggest zoom.
      let best = boxes, bestZoom = fitZoom(one.w, one.h, view);
      for (let k = 2; k <= MAX_COLUMNS; k++) {
        const wrapped = wrap(boxes, k, one.w);
        const e = extent(wrapped);
        const z = fitZoom(e.w, e.h, view);
        if (z > bestZoom * 1.08) [best, bestZoom] = [wrapped, z];
        if (z >= COMFORTABLE_ZOOM) break;
      }
      boxes = best;
    }
  }
  const out: Record<string, Position> = {};
  for (const b of boxes) out[b.id] = { x: Math.round(b.x), y: Math.round(b.y) };
  return out;
}

/** The body laid out anew if its own positions only fit `view` below the readable zoom. */
export function readableBody<B extends Body>(body: B, view: Viewport): B {
  const { w, h } = bodyBounds(body);
  return fitZoom(w, h, view) >= READABLE_ZOOM ? body : laidOut(body, view);
}

/** The body laid out anew for `view`, whatever its own positions. */
export function laidOut<B extends Body>(body: B, view: Viewport): B {
  const pos = autoLayout(body, undefined, view);
  return { ...body, nodes: body.nodes.map((n) => (pos[n.id] ? { ...n, position: pos[n.id] } : n)) };
}
