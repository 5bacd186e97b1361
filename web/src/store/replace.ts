// Replacing the open document with another (a template, a blank model, an imported one) never
// loses work silently: with unsaved edits open, the user chooses Save, Discard or Cancel
// (components/DiscardDialog.tsx), and a replace stays one Undo away.
import { create } from "zustand";
import type { Graph } from "../api/types";
import { loadDocument } from "./actions";
import { hasChanges, useDoc } from "./doc";
import { undo } from "./history";
import { saveModel } from "./persist";
import { toast } from "./ui";

export type DiscardChoice = "save" | "discard" | "cancel";

export interface DiscardQuestion {
  /** What would replace the open document: "the template “LeNet”". */
  what: string;
  name: string;
  nodes: number;
  /** Whether the open document was ever saved (its unsaved edits are lost, not the model). */
  saved: boolean;
  answer: (c: DiscardChoice) => void;
}

export const useDiscard = create<{ question: DiscardQuestion | null }>(() => ({ question: null }));

/** The layers of the document, module definitions included (what the dialog says is lost). */
const countNodes = (g: Graph) => g.nodes.length + g.modules.reduce((n, m) => n + m.nodes.length, 0);

/**
 * Whether the open document may be replaced by `what`: at once when it has no unsaved edits;
 * otherwise when the user saves it (and the save succeeds) or discards it. Cancel: false.
 * `changedOnly`: ask only about edits made in this tab (opening a saved model keeps a draft
 * restored from storage there, so an untouched one loses nothing).
 */
export async function confirmReplace(what: string, opts: { changedOnly?: boolean } = {}): Promise<boolean> {
  const { dirty, doc, modelId } = useDoc.getState();
  if (!(opts.changedOnly ? hasChanges() : dirty)) return true;
  const choice = await new Promise<DiscardChoice>((answer) =>
    useDiscard.setState({ question: { what, name: doc.name, nodes: countNodes(doc), saved: modelId !== null, answer } }),
  );
  useDiscard.setState({ question: null });
  if (choice === "save") return saveModel(); // signed out: the sign-in dialog opens, nothing is replaced
  return choice === "discard";
}

/**
 * Replace the open document after confirmReplace: undoable, and the toast says how to get the
 * replaced one back when it had unsaved edits.
 */
export async function replaceDocument(g: Partial<Graph>, what: string): Promise<boolean> {
  const before = useDoc.getState();
  if (!(await confirmReplace(what))) return false;
  const lost = useDoc.getState().dirty; // saved meanwhile: nothing to bring back
  loadDocument(g, null, { undoable: true });
  if (lost) oneUndoAway(what, before.doc.name);
  return true;
}

/** The toast after a replace that discarded unsaved edits. */
export function oneUndoAway(what: string, name: string): void {
  toast(`Opened ${what}. “${name}” is one Undo away.`, false, { action: { label: "Undo", run: undo } });
}
