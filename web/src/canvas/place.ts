import type { Position } from "../api/types";
import { nodePorts } from "../graph/ports";
import { addInput, addLayer, addModuleInstance, addOutput, connect } from "../store/actions";
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

/** The first spot at or below `at` that no node occupies (so added nodes never stack). */
function freeSpot(at: Position): Position {
  const nodes = currentBody(useDoc.getState()).nodes;
  const p = { ...at };
  for (let i = 0; i < 50 && nodes.some((n) => Math.abs(n.position.x - p.x) < 220 && Math.abs(n.position.y - p.y) < 90); i++) p.y += 100;
  return p;
}

/**
 * Add from the palette by keyboard or double-click: below the selected node, wired to it
 * (so Enter, Enter, Enter builds a chain), or else at the centre of the view.
 */
export function placeFromPalette(item: PaletteItem, centre: Position): string {
  const s = useDoc.getState();
  const body = currentBody(s);
  const ids = Object.keys(s.selected);
  const prev = ids.length === 1 ? body.nodes.find((n) => n.id === ids[0]) : undefined;
  const id = placeItem(item, freeSpot(prev ? { x: prev.position.x, y: prev.position.y + 110 } : centre));
  if (prev) {
    const layers = useCatalog.getState().catalog?.layers;
    const modules = useDoc.getState().doc.modules;
    const out = nodePorts(prev, layers, modules).outputs[0];
    const node = currentBody(useDoc.getState()).nodes.find((n) => n.id === id);
    const inp = node && nodePorts(node, layers, modules).inputs[0];
    if (out && inp) connect({ source: { node: prev.id, port: out }, target: { node: id, port: inp } });
  }
  return id;
}
