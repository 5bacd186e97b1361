// Document history: every edit goes through commit(), which snapshots the previous document.
// Documents are immutable, so a snapshot is just a reference.
import type { Body, Graph } from "../api/types";
import { parseRoute, replaceHash } from "../router";
import { useDoc, type DocState } from "./doc";

const LIMIT = 200;

/**
 * The saved model (id, or null for an unsaved one) each side of a whole-document replace belongs
 * to (store/replace.ts): undo across the replace brings back the replaced document as that model,
 * so that Save saves it where it came from. Documents the history reaches by edits are not here:
 * they keep the model id of the step before.
 */
const owners = new WeakMap<Graph, string | null>();

export function markOwner(doc: Graph, modelId: string | null): void {
  owners.set(doc, modelId);
}

const ownerOf = (doc: Graph, current: string | null): string | null => (owners.has(doc) ? (owners.get(doc) ?? null) : current);

/** Apply `fn` to the document as one undoable step. `semantic` false (moves) skips the check. */
export function commit(fn: (doc: Graph) => Graph, opts: { semantic?: boolean; history?: boolean } = {}): void {
  const { semantic = true, history = true } = opts;
  useDoc.setState((s) => {
    const doc = fn(s.doc);
    if (doc === s.doc) return s;
    return {
      doc,
      past: history ? [...s.past.slice(-LIMIT + 1), s.doc] : s.past,
      future: history ? [] : s.future,
      rev: semantic ? s.rev + 1 : s.rev,
      dirty: true,
    };
  });
}

/** Apply `fn` to the body open on the canvas (the model or a module definition). */
export function commitBody(fn: (body: Body) => Body, opts?: { semantic?: boolean; history?: boolean }): void {
  const path = useDoc.getState().path;
  commit((doc) => replaceBody(doc, path, fn), opts);
}

export function replaceBody(doc: Graph, path: string | null, fn: (body: Body) => Body): Graph {
  if (path === null) {
    const b = fn(doc);
    return b === doc ? doc : { ...doc, nodes: b.nodes, edges: b.edges };
  }
  let changed = false;
  const modules = doc.modules.map((m) => {
    if (m.name !== path) return m;
    const b = fn(m);
    if (b === m) return m;
    changed = true;
    return { ...m, nodes: b.nodes, edges: b.edges };
  });
  return changed ? { ...doc, modules } : doc;
}

/** Record the current document as an undo point without changing it (before a drag). */
export function snapshot(): void {
  useDoc.setState((s) => ({ past: [...s.past.slice(-LIMIT + 1), s.doc], future: [] }));
}

function validPath(s: DocState, doc: Graph): string | null {
  return s.path !== null && doc.modules.some((m) => m.name === s.path) ? s.path : null;
}

/** After an undo or redo across a replace, the editor's URL names the model now open. */
function followModel(before: string | null): void {
  const id = useDoc.getState().modelId;
  if (id === before || typeof window === "undefined" || parseRoute(window.location.hash).page !== "editor") return;
  replaceHash(id ? `#/model/${encodeURIComponent(id)}` : "#/");
}

export function undo(): void {
  const before = useDoc.getState().modelId;
  useDoc.setState((s) => {
    const prev = s.past[s.past.length - 1];
    if (!prev) return s;
    return {
      doc: prev, past: s.past.slice(0, -1), future: [s.doc, ...s.future], rev: s.rev + 1, path: validPath(s, prev), dirty: true,
      modelId: ownerOf(prev, s.modelId),
    };
  });
  followModel(before);
}

export function redo(): void {
  const before = useDoc.getState().modelId;
  useDoc.setState((s) => {
    const next = s.future[0];
    if (!next) return s;
    return {
      doc: next, past: [...s.past, s.doc], future: s.future.slice(1), rev: s.rev + 1, path: validPath(s, next), dirty: true,
      modelId: ownerOf(next, s.modelId),
    };
  });
  followModel(before);
}
