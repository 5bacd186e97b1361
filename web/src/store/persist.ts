// Saving and opening models through /api/v1/models.
import { api } from "../api/client";
import type { Graph } from "../api/types";
import { parseRoute, replaceHash } from "../router";
import { loadDocument } from "./actions";
import { needsSignIn } from "./auth";
import { replaceDocument } from "./replace";
import { useDoc } from "./doc";
import { toast, useUi } from "./ui";

/**
 * Save the open document; `makeThumbnail` renders a preview (the editor passes one in), `said`
 * replaces the toast. Anonymous: the sign-in dialog opens (the draft is saved once signed in).
 * Returns whether it saved.
 */
export async function saveModel(makeThumbnail?: () => Promise<string | null>, said?: string): Promise<boolean> {
  const { doc, modelId } = useDoc.getState();
  try {
    const thumbnail = makeThumbnail ? await makeThumbnail().catch(() => null) : null;
    const body = { name: doc.name, description: doc.description, graph: doc, thumbnail };
    const saved = modelId ? await api.models.update(modelId, body) : await api.models.create(body);
    const id = String(saved.id ?? modelId);
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

export function importJson(file: File): Promise<void> {
  return file.text().then((text) => {
    try {
      const g = JSON.parse(text) as Graph;
      if (!Array.isArray(g.nodes)) throw new Error("no nodes array");
      void replaceDocument(g, file.name).then((done) => {
        if (!done) return;
        replaceHash("#/");
        toast(`Imported ${file.name}`);
      });
    } catch (e) {
      toast(`Not a graph document: ${(e as Error).message}`, true);
    }
  });
}
