// Saving and opening models through /api/v1/models.
import { api } from "../api/client";
import type { Graph } from "../api/types";
import { parseRoute, replaceHash } from "../router";
import { loadDocument } from "./actions";
import { needsSignIn } from "./auth";
import { attachDraftRuns } from "./runActions";
import { replaceDocument } from "./replace";
import { useDoc } from "./doc";
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
    useDoc.setState((s) => ({ modelId: id, dirty: s.doc === doc ? false : s.dirty }));
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
 */
export async function openModel(id: string, fresh: boolean): Promise<void> {
  const s = useDoc.getState();
  if (s.modelId === id && (!fresh || s.dirty)) return;
  useUi.setState({ opening: true });
  try {
    const m = await api.models.get(id);
    // The saved model's name wins: My models can rename it without touching the graph.
    loadDocument({ ...m.graph, name: m.name ?? m.graph?.name }, String(m.id ?? id));
  } catch (e) {
    toast(`Could not open model ${id}: ${(e as Error).message}`, true);
  } finally {
    useUi.setState({ opening: false });
  }
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
