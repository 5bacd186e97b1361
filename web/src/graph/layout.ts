// Top-to-bottom auto-layout with elkjs (the layered algorithm, with each node's ports where its
// handles are); a long chain is wrapped into side-by-side columns so that it fits the canvas at a
// readable zoom instead of one column at zoom 0.35.
//
// A skip connection (an edge over more than one layer: a ResNet's identity, a U-Net's copy) is
// asked to stay straight: its source and target line up and the path it skips is pushed aside,
// so the skip runs down a lane of its own beside the path, with room for its shape label. A
// U-Net then reads as a sideways U: encoder, bottleneck indented, decoder back under the encoder.
import type { ELK, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import type { Body, Position } from "../api/types";

/** Every layer node is this wide (styles.css .tc-node); heights vary a little with the content. */
export const NODE_W = 200;
export const NODE_H = 80;
/** Below this zoom node text and edge labels are too small to read. */
export const READABLE_ZOOM = 0.6;
const COMFORTABLE_ZOOM = 0.75;
// Wide enough for a shape label on the edge that runs back up between two columns.
const COL_GAP = 160;
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
 * Split the layout's layers (rows) into `k` consecutive runs of rows, one per column, and return the
 * boxes moved into their columns. Row runs are balanced by height. A column only breaks where one
 * edge at most crosses from one row to the next: a block with a skip connection stays whole, and
 * the one edge back up to the next column's top has the gap between the columns to itself.
 */
function wrap(boxes: Box[], k: number, colWidth: number, edges: [string, string][]): Box[] {
  if (k <= 1) return boxes;
  const rows = new Map<number, Box[]>();
  for (const b of boxes) {
    const key = Math.round(b.y);
    rows.set(key, [...(rows.get(key) ?? []), b]);
  }
  const ys = [...rows.keys()].sort((a, b) => a - b);
  const rowOf = new Map<string, number>();
  ys.forEach((y, i) => rows.get(y)!.forEach((b) => rowOf.set(b.id, i)));
  // crossing[i]: the edges that cross the line just above row i.
  const crossing = ys.map(() => 0);
  for (const [s, t] of edges) {
    const a = rowOf.get(s), b = rowOf.get(t);
    if (a === undefined || b === undefined) continue;
    for (let i = Math.min(a, b) + 1; i <= Math.max(a, b); i++) crossing[i]++;
  }
  const top = ys[0];
  const bottom = Math.max(...boxes.map((b) => b.y + b.h));
  const per = (bottom - top) / k;
  const out: Box[] = [];
  let col = 0, colTop = top;
  ys.forEach((y, i) => {
    // Start the next column once this row would begin past the column's share of the height.
    if (col < k - 1 && y - top >= per * (col + 1) && y > colTop && crossing[i] <= 1) {
      col++;
      colTop = y;
    }
    for (const b of rows.get(y)!) out.push({ ...b, x: b.x + col * (colWidth + COL_GAP), y: b.y - colTop + top });
  });
  return out;
}

const extent = (boxes: Box[]) => {
  const x0 = Math.min(...boxes.map((b) => b.x)), x1 = Math.max(...boxes.map((b) => b.x + b.w));
  const y0 = Math.min(...boxes.map((b) => b.y)), y1 = Math.max(...boxes.map((b) => b.y + b.h));
  return { w: x1 - x0, h: y1 - y0 };
};

export type Ports = { inputs: string[]; outputs: string[] };

/** Ports named by the body's own edges (for documents laid out without the catalog). */
export function edgePorts(body: Body): (id: string) => Ports {
  const ins = new Map<string, Set<string>>(), outs = new Map<string, Set<string>>();
  for (const e of body.edges) {
    if (!ins.has(e.target.node)) ins.set(e.target.node, new Set());
    ins.get(e.target.node)!.add(e.target.port);
    if (!outs.has(e.source.node)) outs.set(e.source.node, new Set());
    outs.get(e.source.node)!.add(e.source.port);
  }
  const sorted = (s?: Set<string>) => [...(s ?? [])].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return (id) => ({ inputs: sorted(ins.get(id)), outputs: sorted(outs.get(id)) });
}

/** Longest-path layer of each node from the inputs (an edge over more than one is a skip). */
function layers(body: Body): Map<string, number> {
  const into = new Map<string, string[]>();
  for (const e of body.edges) into.set(e.target.node, [...(into.get(e.target.node) ?? []), e.source.node]);
  const out = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = out.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle (invalid document): break it anywhere
    seen.add(id);
    const l = Math.max(-1, ...(into.get(id) ?? []).map((s) => visit(s, seen))) + 1;
    out.set(id, l);
    return l;
  };
  for (const n of body.nodes) visit(n.id, new Set());
  return out;
}

let elkInstance: Promise<ELK> | null = null;
/** ELK in a web worker in the browser (a 1,000-node layout keeps the page responsive), in process elsewhere. */
function elk(): Promise<ELK> {
  elkInstance ??=
    typeof Worker !== "undefined"
      ? Promise.all([import("elkjs/lib/elk-api"), import("elkjs/lib/elk-worker.min.js?url")]).then(
          ([api, url]) => new api.default({ workerUrl: url.default }),
        )
      : import("elkjs/lib/elk.bundled.js").then((m) => new m.default());
  return elkInstance;
}

/** Load ELK (and its worker) ahead of the first layout: a page that may lay a model out calls this. */
export function prewarmLayout(): void {
  void elk().then((e) => e.layout({ id: "warm", children: [{ id: "a", width: 1, height: 1 }], edges: [] }));
}

/** Room a shape label needs beside a skip lane: half a long label ("(B, 128, 16, 16)") and a margin. */
export const LABEL_W = 120;
export const LABEL_H = 18;
const LAYOUT_OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.edgeRouting": "ORTHOGONAL",
  // Between layers: the shape label of an edge sits in this gap, clear of both nodes.
  "elk.layered.spacing.nodeNodeBetweenLayers": "56",
  "elk.spacing.nodeNode": "40",
  // A skip lane keeps half a label's width (and a margin) from the nodes beside it.
  "elk.spacing.edgeNode": String(LABEL_W / 2 + 16),
  "elk.layered.spacing.edgeNodeBetweenLayers": "24",
  "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  // Keep the document's order among siblings (a block's branches stay where the author put them).
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
};

function elkGraph(body: Body, size: (id: string) => { width: number; height: number }, portsOf: (id: string) => Ports): ElkNode {
  const layer = layers(body);
  const pid = (node: string, kind: "in" | "out", port: string) => `${node}\u0000${kind}\u0000${port}`;
  const children: ElkNode[] = body.nodes.map((n) => {
    const { width, height } = size(n.id);
    const p = portsOf(n.id);
    // Where PortRow draws the handles: spread evenly along the top (inputs) and bottom (outputs).
    const row = (names: string[], kind: "in" | "out") =>
      names.map((name, i) => ({
        id: pid(n.id, kind, name),
        width: 1,
        height: 1,
        x: ((i + 1) / (names.length + 1)) * width,
        y: kind === "in" ? 0 : height,
        layoutOptions: { "elk.port.side": kind === "in" ? "NORTH" : "SOUTH" },
      }));
    return {
      id: n.id,
      width,
      height,
      ports: [...row(p.inputs, "in"), ...row(p.outputs, "out")],
      layoutOptions: { "elk.portConstraints": "FIXED_POS" },
    };
  });
  const ids = new Set(body.nodes.map((n) => n.id));
  const known = (node: string, kind: "in" | "out", port: string) => {
    const p = portsOf(node);
    return (kind === "in" ? p.inputs : p.outputs).includes(port);
  };
  const edges: ElkExtendedEdge[] = body.edges
    .filter((e) => ids.has(e.source.node) && ids.has(e.target.node))
    .map((e, i) => {
      const skip = (layer.get(e.target.node) ?? 0) - (layer.get(e.source.node) ?? 0) > 1;
      return {
        id: `e${i}`,
        sources: [known(e.source.node, "out", e.source.port) ? pid(e.source.node, "out", e.source.port) : e.source.node],
        targets: [known(e.target.node, "in", e.target.port) ? pid(e.target.node, "in", e.target.port) : e.target.node],
        ...(skip ? { layoutOptions: { "elk.layered.priority.straightness": "10" } } : {}),
      };
    });
  return { id: "root", layoutOptions: LAYOUT_OPTIONS, children, edges };
}

/**
 * Positions for every node; `sizeOf` gives measured sizes where known, `portsOf` each node's
 * ports (default: those the edges name). With `view` (the canvas size), a graph that would only
 * fit below the readable zoom is wrapped into as many columns as fit it best (a ResNet's branches
 * stay in their column; only whole rows move).
 */
export async function autoLayout(
  body: Body,
  sizeOf: (id: string) => Size = () => undefined,
  view?: Viewport,
  portsOf: (id: string) => Ports = edgePorts(body),
): Promise<Record<string, Position>> {
  const size = (id: string) => {
    const s = sizeOf(id);
    return { width: s?.width ?? NODE_W, height: s?.height ?? NODE_H };
  };
  const laid = await (await elk()).layout(elkGraph(body, size, portsOf));
  let boxes: Box[] = (laid.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? NODE_W, h: c.height ?? NODE_H }));
  const edges = body.edges.map((e): [string, string] => [e.source.node, e.target.node]);
  if (view && boxes.length > 2) {
    const one = extent(boxes);
    if (fitZoom(one.w, one.h, view) < READABLE_ZOOM) {
      // The fewest columns that fit comfortably (every column break is a long edge back up);
      // failing that, the columns that give the biggest zoom.
      let best = boxes, bestZoom = fitZoom(one.w, one.h, view);
      for (let k = 2; k <= MAX_COLUMNS; k++) {
        const wrapped = wrap(boxes, k, one.w, edges);
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
export async function readableBody<B extends Body>(body: B, view: Viewport, sizeOf?: (id: string) => Size): Promise<B> {
  const { w, h } = bodyBounds(body);
  return fitZoom(w, h, view) >= READABLE_ZOOM ? body : laidOut(body, view, sizeOf);
}

/** The body laid out anew for `view`, whatever its own positions; `sizeOf`: the nodes' sizes
 * where known (canvas/nodeSize.ts estimates them before they are drawn). */
export async function laidOut<B extends Body>(body: B, view: Viewport, sizeOf?: (id: string) => Size): Promise<B> {
  const pos = await autoLayout(body, sizeOf, view);
  return { ...body, nodes: body.nodes.map((n) => (pos[n.id] ? { ...n, position: pos[n.id] } : n)) };
}
