// Document history: every edit goes through commit(), which snapshots the previous document.
// Documents are immutable, so a snapshot is just a reference.
import type { Body, Graph } from "../api/types";
import { useDoc, type DocState } from "./doc";

const LIMIT = 200;

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

export function undo(): void {
  useDoc.setState((s) => {
    const prev = s.past[s.past.length - 1];
    if (!prev) return s;
    return { doc: prev, past: s.past.slice(0, -1), future: [s.doc, ...s.future], rev: s.rev + 1, path: validPath(s, prev), dirty: true };
  });
}

export function redo(): void {
  useDoc.setState((s) => {
    const next = s.future[0];
    if (!next) return s;
    return { doc: next, past: [...s.past, s.doc], future: s.future.slice(1), rev: s.rev + 1, path: validPath(s, next), dirty: true };
  });
}
