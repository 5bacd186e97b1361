// Where an edge runs. An edge whose straight run (and its shape label) would cross another node
// takes a lane beside the nodes in its way instead: down out of its source, across to the lane,
// down the lane, across and into its target. A skip connection drawn by hand behind the main path
// stays visible that way, and its label sits in the lane, never over a node.
import type { Body } from "../api/types";
import { LABEL_H, LABEL_W, NODE_H, NODE_W, type Ports } from "../graph/layout";

export interface Box { x: number; y: number; w: number; h: number }
type Size = { width?: number; height?: number } | undefined;

export const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
/** The jog out of a source and into a target happens this far from the node (inside the layer gap). */
export const JOG = 14;
const MARGIN = 6;

/** The box a shape label takes, centred on (x, y). */
export const labelBox = (x: number, y: number): Box => ({ x: x - LABEL_W / 2, y: y - LABEL_H / 2, w: LABEL_W, h: LABEL_H });

/**
 * The x of the lane an edge from (sx, sy) to (tx, ty) must take, or null when its straight run
 * down is clear: no node (but its ends) within half a label's width of it. An edge back up (a
 * wrapped layout's column break) always takes a lane, clear of its own ends (`ends`) as well.
 */
export function laneFor(sx: number, sy: number, tx: number, ty: number, others: Box[], ends: Box[] = []): number | null {
  const half = LABEL_W / 2 + MARGIN;
  const up = ty < sy + LABEL_H + 2;
  const y0 = up ? ty - JOG - 1 : sy + 1, y1 = up ? sy + JOG + 1 : ty - 1;
  const band = (x0: number, x1: number): Box => ({ x: x0 - half, y: y0, w: x1 - x0 + 2 * half, h: y1 - y0 });
  const all = up ? [...others, ...ends] : others;
  const hit = all.filter((b) => overlaps(b, band(Math.min(sx, tx), Math.max(sx, tx))));
  if (!hit.length && !up) return null;
  if (!hit.length) return (sx + tx) / 2;
  // Grow the set of nodes in the way until a lane beside them (left or right) is clear.
  const lane = (side: 1 | -1): number => {
    let blockers = hit;
    const laneBand = (x: number): Box => (up ? band(x, x) : { ...band(x, x), y: sy + JOG - 1, h: ty - sy - 2 * JOG + 2 });
    for (let i = 0; i < 20; i++) {
      const x = side > 0 ? Math.max(...blockers.map((b) => b.x + b.w)) + half : Math.min(...blockers.map((b) => b.x)) - half;
      const more = all.filter((b) => !blockers.includes(b) && overlaps(b, laneBand(x)));
      if (!more.length) return x;
      blockers = [...blockers, ...more];
    }
    return side > 0 ? Math.max(...all.map((b) => b.x + b.w)) + half : Math.min(...all.map((b) => b.x)) - half;
  };
  const right = lane(1), left = lane(-1);
  const cost = (x: number) => Math.abs(x - sx) + Math.abs(x - tx);
  return cost(right) <= cost(left) ? right : left;
}

/** The corners of the path through a lane. */
export function lanePoints(sx: number, sy: number, tx: number, ty: number, lane: number): [number, number][] {
  return [[sx, sy], [sx, sy + JOG], [lane, sy + JOG], [lane, ty - JOG], [tx, ty - JOG], [tx, ty]];
}

/** The SVG path through a lane: right angles with rounded corners. */
export function lanePath(sx: number, sy: number, tx: number, ty: number, lane: number, r = 8): string {
  const pts = lanePoints(sx, sy, tx, ty, lane);
  let d = `M ${sx} ${sy}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const [px, py] = pts[i - 1], [x, y] = pts[i], [nx, ny] = pts[i + 1];
    const a = Math.min(r, Math.hypot(x - px, y - py) / 2), b = Math.min(r, Math.hypot(nx - x, ny - y) / 2);
    const ux = Math.sign(x - px), uy = Math.sign(y - py), vx = Math.sign(nx - x), vy = Math.sign(ny - y);
    d += ` L ${x - ux * a} ${y - uy * a} Q ${x} ${y} ${x + vx * b} ${y + vy * b}`;
  }
  return `${d} L ${tx} ${ty}`;
}

/** A cubic from a bottom handle down into a top handle, like React Flow's bezier edge. */
export function bezierPath(sx: number, sy: number, tx: number, ty: number): string {
  const k = Math.max(Math.abs(ty - sy) / 2, 25);
  return `M ${sx} ${sy} C ${sx} ${sy + k} ${tx} ${ty - k} ${tx} ${ty}`;
}

export interface EdgeEnds { sx: number; sy: number; tx: number; ty: number; source: string; target: string }

/** Where each edge's handles are, from node positions, sizes and ports (PortRow's spacing). */
export function edgeEnds(body: Body, sizeOf: (id: string) => Size, portsOf: (id: string) => Ports): EdgeEnds[] {
  const byId = new Map(body.nodes.map((n) => [n.id, n]));
  const at = (id: string, names: string[], port: string) => {
    const n = byId.get(id)!;
    const w = sizeOf(id)?.width ?? NODE_W;
    const i = Math.max(0, names.indexOf(port));
    return n.position.x + ((i + 1) / (Math.max(names.length, 1) + 1)) * w;
  };
  return body.edges
    .filter((e) => byId.has(e.source.node) && byId.has(e.target.node))
    .map((e) => {
      const s = byId.get(e.source.node)!, t = byId.get(e.target.node)!;
      return {
        source: s.id,
        target: t.id,
        sx: at(s.id, portsOf(s.id).outputs, e.source.port),
        sy: s.position.y + (sizeOf(s.id)?.height ?? NODE_H),
        tx: at(t.id, portsOf(t.id).inputs, e.target.port),
        ty: t.position.y,
      };
    });
}

/** Each node's box from its position and (measured or default) size. */
export function nodeBoxes(body: Body, sizeOf: (id: string) => Size): Map<string, Box> {
  return new Map(
    body.nodes.map((n) => [n.id, { x: n.position.x, y: n.position.y, w: sizeOf(n.id)?.width ?? NODE_W, h: sizeOf(n.id)?.height ?? NODE_H }]),
  );
}

/** The lane of every edge of the body (null: straight), in the order of the body's edges that have both ends. */
export function lanes(body: Body, sizeOf: (id: string) => Size, portsOf: (id: string) => Ports): (number | null)[] {
  const boxes = nodeBoxes(body, sizeOf);
  return edgeEnds(body, sizeOf, portsOf).map((e) => {
    const others = [...boxes].filter(([id]) => id !== e.source && id !== e.target).map(([, b]) => b);
    return laneFor(e.sx, e.sy, e.tx, e.ty, others, [boxes.get(e.source)!, boxes.get(e.target)!]);
  });
}

/** Where an edge's shape label goes: the middle of its lane, or of its straight run. */
export function labelAt(e: EdgeEnds, lane: number | null): { x: number; y: number } {
  return { x: lane ?? (e.sx + e.tx) / 2, y: (e.sy + e.ty) / 2 };
}
