import type { Position } from "../api/types";
import { NODE_H, NODE_W } from "../graph/layout";
import { nodePorts } from "../graph/ports";
import { addInput, addLayer, addModuleInstance, addOutput, connect, moveNodes } from "../store/actions";
import { useCatalog } from "../store/catalog";
import { currentBody, useDoc } from "../store/doc";
import type { PaletteItem } from "./dnd";

/** Add a palette item at a flow position; returns the new node id. */
export function placeItem(item: PaletteItem, at: Position): string {
  const p = { x: Math.round(at.x), y: Math.round(at.y) };
  switch (item.kind) {
    case "layer":
      return addLayer(item.type, p);
    case "input":
      return addInput(p);
    case "output":
      return addOutput(p);
    case "module":
      return addModuleInstance(item.module, p);
  }
}

type Size = { width?: number; height?: number } | undefined;
let measured: (id: string) => Size = () => undefined;
/** The canvas tells placement how big its nodes are on screen (an error or long params make them taller). */
export function setMeasuredSizes(sizeOf: (id: string) => Size): void {
  measured = sizeOf;
}
const GAP = 24;
const boxOf = (n: { id: string; position: Position }) => ({
  x: n.position.x,
  y: n.position.y,
  w: measured(n.id)?.width ?? NODE_W,
  h: measured(n.id)?.height ?? NODE_H,
});

/**
 * The first spot at or below `at` where a new node (NODE_W x NODE_H, and a gap around it) covers
 * no node: added nodes never stack on each other or on the output node.
 */
export function freeSpot(at: Position, nodes: { id: string; position: Position }[] = currentBody(useDoc.getState()).nodes): Position {
  const boxes = nodes.map(boxOf);
  const p = { ...at };
  for (let i = 0; i < 200; i++) {
    const hit = boxes.filter((b) => p.x < b.x + b.w + GAP && b.x < p.x + NODE_W + GAP && p.y < b.y + b.h + GAP && b.y < p.y + NODE_H + GAP);
    if (!hit.length) break;
    p.y = Math.max(...hit.map((b) => b.y + b.h)) + GAP;
  }
  return p;
}

/**
 * Add from the palette by keyboard or double-click: below the selected node, wired to it
 * (so Enter, Enter, Enter builds a chain), or else at the centre of the view. The output comes
 * last: an output node the new one would land on or below (in its column) moves down under it,
 * so that a chain built this way reads top to bottom into y, with no edge looping back up.
 * Returns the new node's id and the outputs it moved.
 */
export function placeFromPalette(item: PaletteItem, centre: Position): { id: string; moved: string[] } {
  const s = useDoc.getState();
  const body = currentBody(s);
  const ids = Object.keys(s.selected);
  const prev = ids.length === 1 ? body.nodes.find((n) => n.id === ids[0]) : undefined;
  const below = prev && { x: prev.position.x, y: prev.position.y + boxOf(prev).h + 2 * GAP };
  const movable = item.kind === "output" ? [] : body.nodes.filter((n) => n.kind === "output" && n.id !== prev?.id);
  const rest = body.nodes.filter((n) => !movable.includes(n));
  const spot = freeSpot(below ?? centre, rest);
  const id = placeItem(item, spot);
  // Outputs in the new node's column, at or above its bottom, go below it (in the same undo step).
  const under = { x: spot.x, y: spot.y + NODE_H + 2 * GAP };
  const placed: { id: string; position: Position }[] = currentBody(useDoc.getState()).nodes.filter((n) => !movable.some((o) => o.id === n.id));
  const moves: Record<string, Position> = {};
  for (const o of movable) {
    const b = boxOf(o);
    const sameColumn = b.x < spot.x + NODE_W && spot.x < b.x + b.w;
    if (sameColumn && b.y < under.y) {
      moves[o.id] = freeSpot({ x: o.position.x, y: under.y }, placed);
      placed.push({ id: o.id, position: moves[o.id] });
    }
  }
  if (Object.keys(moves).length) moveNodes(moves, false);
  if (prev) {
    const layers = useCatalog.getState().catalog?.layers;
    const modules = useDoc.getState().doc.modules;
    const out = nodePorts(prev, layers, modules).outputs[0];
    const node = currentBody(useDoc.getState()).nodes.find((n) => n.id === id);
    const inp = node && nodePorts(node, layers, modules).inputs[0];
    if (out && inp) connect({ source: { node: prev.id, port: out }, target: { node: id, port: inp } });
  }
  return { id, moved: Object.keys(moves) };
}
