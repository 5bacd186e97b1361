// Saving and opening models through /api/v1/models.
import { api } from "../api/client";
import type { Graph, SavedModel } from "../api/types";
import { parseRoute, previousHash, replaceHash } from "../router";
import { loadDocument } from "./actions";
import { needsSignIn } from "./auth";
import { attachDraftRuns } from "./runActions";
import { confirmReplace, oneUndoAway, replaceDocument } from "./replace";
import { hasChanges, useDoc } from "./doc";
import { toast, useUi } from "./ui";

/**
 * Save the open document; `said` replaces the toast. Anonymous: the sign-in dialog opens (the
 * draft is saved once signed in). Returns whether it saved. No picture is sent: the server draws
 * the card's diagram from the graph (as the market does), readable at card size.
 */
export async function saveModel(said?: string): Promise<boolean> {
  const { doc, modelId } = useDoc.getState();
  try {
    const body = { name: doc.name, description: doc.description, graph: doc };
    const saved = modelId ? await api.models.update(modelId, body) : await api.models.create(body);
    const id = String(saved.id ?? modelId);
    // The runs of the draft belong to the model it became (before the store takes the id, so
    // that the runs drawer keeps showing them).
    if (!modelId) await attachDraftRuns(id);
    // Only clear the dirty flag if nothing changed while the request was in flight.
    useDoc.setState((s) => ({ modelId: id, version: saved.version ?? null, clean: doc, dirty: s.doc === doc ? false : s.dirty }));
    // A draft saved on sign-in from another page stays on that page.
    if (!modelId && parseRoute(window.location.hash).page === "editor") replaceHash(`#/model/${encodeURIComponent(id)}`);
    toast(said ?? `Saved “${doc.name}”`);
    return true;
  } catch (e) {
    if (!needsSignIn(e)) toast(`Save failed: ${(e as Error).message}`, true);
    return false;
  }
}

/**
 * Open a saved model. `fresh` (the editor was just mounted) refetches it unless it is already
 * open with unsaved edits; otherwise (the URL just got the id of a first save) nothing to do.
 * Edits made here to the open document are not replaced silently: the user saves, discards
 * (one Undo away) or cancels, and Cancel puts the URL back where it was.
 */
export async function openModel(id: string, fresh: boolean): Promise<void> {
  const s = useDoc.getState();
  if (s.modelId === id && (!fresh || s.dirty)) return;
  useUi.setState({ opening: true });
  let m: SavedModel;
  try {
    m = await api.models.get(id);
  } catch (e) {
    toast(`Could not open model ${id}: ${(e as Error).message}`, true);
    return;
  } finally {
    useUi.setState({ opening: false });
  }
  // The saved model's name wins: My models can rename it without touching the graph.
  const name = m.name ?? m.graph?.name;
  const before = useDoc.getState();
  if (!(await confirmReplace(`the model “${name}”`, { changedOnly: true }))) {
    const back = previousHash();
    replaceHash(back && back !== `#/model/${encodeURIComponent(id)}` ? back : before.modelId ? `#/model/${encodeURIComponent(before.modelId)}` : "#/");
    return;
  }
  const lost = hasChanges(); // saved meanwhile: nothing to bring back
  loadDocument({ ...m.graph, name }, String(m.id ?? id), { undoable: lost, version: m.version ?? null });
  if (lost) oneUndoAway(`“${name}”`, before.doc.name);
  // Saving a draft from the dialog gave the URL the draft's new id: this model is what is open.
  const route = parseRoute(window.location.hash);
  if (route.page === "editor" && route.modelId !== String(m.id ?? id)) replaceHash(`#/model/${encodeURIComponent(String(m.id ?? id))}`);
}

/**
 * Open an earlier version `n` of the saved model `id` on the canvas (from a run that trained it):
 * the same model, so Save makes it the current version again (as a new one, like restore).
 * Unsaved edits are asked about first, and stay one Undo away.
 */
export async function openVersion(id: string, n: number): Promise<void> {
  let v: Awaited<ReturnType<typeof api.models.version>>;
  try {
    v = await api.models.version(id, n);
  } catch (e) {
    toast(`Could not open version ${n}: ${(e as Error).message}`, true);
    return;
  }
  const before = useDoc.getState();
  if (!(await confirmReplace(`v${n} of “${v.name}”`))) return;
  const lost = useDoc.getState().dirty;
  loadDocument({ ...v.graph, name: v.name }, id, { undoable: true, version: n });
  useDoc.setState({ dirty: true }); // it differs from the current version: Save makes it current
  if (lost) oneUndoAway(`v${n}`, before.doc.name);
  else toast(`Opened v${n} of “${v.name}”: Save makes it the current version`);
}

/**
 * Open a graph document from a file as a new, unsaved model. Replacing unsaved work asks first
 * (replaceDocument); then the toast says what came in (its name and size) with a Save button.
 * Resolves to whether it was imported.
 */
export function importJson(file: File): Promise<boolean> {
  return file.text().then(async (text) => {
    let g: Graph;
    try {
      g = JSON.parse(text) as Graph;
      if (!g || typeof g !== "object" || !Array.isArray(g.nodes)) throw new Error("it has no nodes array");
    } catch (e) {
      toast(`${file.name} is not a graph document: ${(e as Error).message}. Export one with Export → Graph JSON.`, true);
      return false;
    }
    const before = useUi.getState().toast;
    if (!(await replaceDocument(g, file.name))) return false;
    replaceHash("#/");
    // replaceDocument's own toast ("... is one Undo away"), when it showed one, matters more.
    const undoToast = useUi.getState().toast !== before && useUi.getState().toast?.action?.label === "Undo";
    if (!undoToast) {
      const name = useDoc.getState().doc.name;
      const n = g.nodes.length;
      toast(`Imported “${name}” from ${file.name} (${n} node${n === 1 ? "" : "s"}): a new model, not saved yet`, false, {
        action: { label: "Save", run: () => void saveModel() },
      });
    }
    return true;
  });
}
