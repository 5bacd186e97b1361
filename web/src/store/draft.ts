// The anonymous draft: a document that was never saved is kept in localStorage, so that it
// survives a reload and, on sign-up or sign-in, is saved to the account (issue 8).
import type { Graph } from "../api/types";
import { loadDocument } from "./actions";
import { useDoc } from "./doc";
import { saveModel } from "./persist";

export const DRAFT_KEY = "torchcanvas.draft";
const WRITE_MS = 400;

/** An unsaved document with edits in it (the untouched starting document is not a draft). */
export const hasUnsavedDraft = (): boolean => {
  const { modelId, dirty } = useDoc.getState();
  return modelId === null && dirty;
};

function readDraft(): Graph | null {
  try {
    const g = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? "null") as Graph | null;
    return g && Array.isArray(g.nodes) ? g : null;
  } catch {
    return null;
  }
}

/** Bring back the draft of an earlier visit, still unsaved (call once, before the editor shows). */
export function restoreDraft(): void {
  const g = readDraft();
  if (!g || useDoc.getState().modelId !== null) return;
  loadDocument(g, null);
  useDoc.setState({ dirty: true });
}

/**
 * Write the draft as it changes (debounced). It is forgotten once saved, or when a fresh
 * document replaces it; opening a saved model leaves it stored (it comes back on the next visit).
 * Returns an unsubscribe function.
 */
export function keepDraft(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify(useDoc.getState().doc));
    } catch {
      /* storage full or disabled: the draft lives only in this tab */
    }
  };
  // Leaving the page (reload, closing the tab) writes a pending draft at once.
  const flush = () => timer !== undefined && write();
  const unsubscribe = useDoc.subscribe((s, prev) => {
    if (s.doc === prev.doc && s.modelId === prev.modelId && s.dirty === prev.dirty) return;
    clearTimeout(timer);
    timer = undefined;
    const saved = prev.modelId === null && s.modelId !== null && s.loaded === prev.loaded;
    const replaced = s.modelId === null && !s.dirty && s.loaded !== prev.loaded;
    if (saved || replaced) localStorage.removeItem(DRAFT_KEY);
    if (s.modelId === null && s.dirty) timer = setTimeout(write, WRITE_MS);
  });
  window.addEventListener("pagehide", flush);
  return () => (clearTimeout(timer), unsubscribe(), window.removeEventListener("pagehide", flush));
}

/** After sign-up or sign-in: save an unsaved draft (POST /models) and say so. */
export async function saveDraftToAccount(): Promise<void> {
  if (!hasUnsavedDraft()) return;
  const name = useDoc.getState().doc.name;
  await saveModel(`Your draft “${name}” was saved to your account`);
}
