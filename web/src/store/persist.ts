// Saving and opening models through /api/v1/models.
import { api } from "../api/client";
import type { Graph } from "../api/types";
import { replaceHash } from "../router";
import { loadDocument } from "./actions";
import { useDoc } from "./doc";
import { toast } from "./ui";

export async function saveModel(): Promise<void> {
  const { doc, modelId } = useDoc.getState();
  try {
    const body = { name: doc.name, description: doc.description, graph: doc, thumbnail: null };
    const saved = modelId ? await api.models.update(modelId, body) : await api.models.create(body);
    const id = String(saved.id ?? modelId);
    // Only clear the dirty flag if nothing changed while the request was in flight.
    useDoc.setState((s) => ({ modelId: id, dirty: s.doc === doc ? false : s.dirty }));
    if (!modelId) replaceHash(`#/model/${encodeURIComponent(id)}`);
    toast(`Saved “${doc.name}”`);
  } catch (e) {
    toast(`Save failed: ${(e as Error).message}`, true);
  }
}

export async function openModel(id: string): Promise<void> {
  if (useDoc.getState().modelId === id) return;
  try {
    const m = await api.models.get(id);
    loadDocument({ ...m.graph, name: m.graph?.name ?? m.name }, String(m.id ?? id));
  } catch (e) {
    toast(`Could not open model ${id}: ${(e as Error).message}`, true);
  }
}

export function importJson(file: File): Promise<void> {
  return file.text().then((text) => {
    try {
      const g = JSON.parse(text) as Graph;
      if (!Array.isArray(g.nodes)) throw new Error("no nodes array");
      loadDocument(g, null);
      replaceHash("#/");
      toast(`Imported ${file.name}`);
    } catch (e) {
      toast(`Not a graph document: ${(e as Error).message}`, true);
    }
  });
}
