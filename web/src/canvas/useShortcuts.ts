// Global editor shortcuts. Ignored while typing in a field (except Ctrl+S).
import { useReactFlow } from "@xyflow/react";
import { FIT } from "./Canvas";
import { useEffect } from "react";
import { deleteSelection, layout, select } from "../store/actions";
import { copy, duplicate, paste } from "../store/clipboard";
import { currentBody, useDoc } from "../store/doc";
import { redo, undo } from "../store/history";
import { groupSelection } from "../store/modules";
import { toggleHelp } from "../store/ui";
import { saveModel } from "../store/persist";

export const SHORTCUTS: [string, string][] = [
  ["Delete / Backspace", "Delete selected nodes and edges"],
  ["Ctrl+Z", "Undo"],
  ["Ctrl+Shift+Z / Ctrl+Y", "Redo"],
  ["Ctrl+C / Ctrl+V", "Copy / paste"],
  ["Ctrl+D", "Duplicate"],
  ["Ctrl+A", "Select all"],
  ["Ctrl+G", "Group selection into a module"],
  ["Ctrl+S", "Save"],
  ["Shift+drag", "Box select"],
  ["Shift+click", "Add to selection"],
  ["Double-click module", "Open its definition"],
  ["L", "Auto-layout"],
  ["F", "Fit view"],
  ["?", "Show this help"],
  ["/", "Search the market (on the market page)"],
  ["Esc", "Close dialogs / clear selection"],
];

/** Whether a key press goes to a text field (where keys are characters, not shortcuts). */
export function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

export function useShortcuts(): void {
  const { fitView, getInternalNode } = useReactFlow();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && k === "s") {
        e.preventDefault();
        void saveModel();
        return;
      }
      if (typing(e.target)) return;
      const run = (f: () => void) => {
        e.preventDefault();
        f();
      };
      if (mod && k === "z") run(e.shiftKey ? redo : undo);
      else if (mod && k === "y") run(redo);
      else if (mod && k === "c") copy();
      else if (mod && k === "v") run(paste);
      else if (mod && k === "d") run(duplicate);
      else if (mod && k === "g") run(() => groupSelection());
      else if (mod && k === "a") run(() => select(currentBody(useDoc.getState()).nodes.map((n) => n.id)));
      else if (mod) return;
      else if (e.key === "Delete" || e.key === "Backspace") run(deleteSelection);
      else if (e.key === "?") run(() => toggleHelp());
      else if (e.key === "Escape") {
        toggleHelp(false);
        select([]);
      } else if (k === "l" && !e.altKey) run(() => layout((id) => getInternalNode(id)?.measured));
      else if (k === "f" && !e.altKey) run(() => void fitView({ ...FIT, duration: 200 }));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [fitView, getInternalNode]);
}
