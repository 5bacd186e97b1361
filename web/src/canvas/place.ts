import type { Position } from "../api/types";
import { addInput, addLayer, addModuleInstance, addOutput } from "../store/actions";
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
