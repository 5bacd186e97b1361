// The document store: the graph JSON exactly as the server reads it, plus editor state
// (which body is open, the selection, undo history). Actions live in ./actions.ts. Defaults come
// from the server (./defaults.ts), which main.tsx loads before this module is imported.
import { create } from "zustand";
import type { Body, Choice, Graph } from "../api/types";
import { defaultGraph, newGraph } from "./defaults";

/** A new document, as the server serves it: an input and an output, and a dataset and loss that fit them. */
export function emptyGraph(name?: string): Graph {
  const g = newGraph();
  return { ...g, name: name ?? g.name };
}

const withParams = (c: Choice): Choice => ({ type: c.type, params: c.params ?? {} });

/** Fill what a hand-written or older document may leave out, so the editor can rely on it. */
export function normalize(g: Partial<Graph>): Graph {
  const fixBody = (b: Partial<Body>): Body => ({
    nodes: (b.nodes ?? []).map((n) => ({
      ...n,
      position: n.position ?? { x: 0, y: 0 },
      ...(n.kind === "layer" ? { params: n.params ?? {} } : {}),
    })),
    edges: (b.edges ?? []).map((e) => ({
      ...e,
      source: { node: e.source.node, port: e.source.port ?? "out" },
      target: { node: e.target.node, port: e.target.port ?? "in" },
    })),
  });
  const base = defaultGraph();
  const t = { ...base.training, ...(g.training ?? {}) };
  return {
    ...fixBody(g),
    schema_version: base.schema_version,
    name: g.name ?? base.name,
    description: g.description ?? base.description,
    modules: (g.modules ?? []).map((m) => ({ ...m, ...fixBody(m) })),
    training: {
      ...t,
      dataset: withParams(t.dataset),
      loss: withParams(t.loss),
      optimizer: withParams(t.optimizer),
      scheduler: t.scheduler ? withParams(t.scheduler) : null,
      train_transforms: t.train_transforms.map(withParams),
      test_transforms: t.test_transforms.map(withParams),
    },
  } as Graph;
}

export interface DocState {
  doc: Graph;
  /** The module definition open on the canvas, or null for the model itself. */
  path: string | null;
  selected: Record<string, true>;
  selectedEdges: Record<string, true>;
  past: Graph[];
  future: Graph[];
  /** Bumped on every edit that can change shapes or code (not on moves): drives the live check. */
  rev: number;
  modelId: string | null;
  /** The number of the saved model's version the document was opened or saved as (null: a draft). */
  version: number | null;
  dirty: boolean;
  /** The document as last loaded or saved: `dirty` with `doc === clean` has no edits made here
   * (a draft restored from storage, undone back to where it was loaded). */
  clean: Graph;
  /** Bumped when a whole document is loaded (the canvas fits the view on it). */
  loaded: number;
}

const first = emptyGraph();

export const useDoc = create<DocState>(() => ({
  doc: first,
  path: null,
  selected: {},
  selectedEdges: {},
  past: [],
  future: [],
  rev: 0,
  modelId: null,
  version: null,
  dirty: false,
  clean: first,
  loaded: 0,
}));

const EMPTY: Body = { nodes: [], edges: [] };

/** The body (nodes and edges) open on the canvas. */
export function currentBody(s: Pick<DocState, "doc" | "path">): Body {
  if (s.path === null) return s.doc;
  return s.doc.modules.find((m) => m.name === s.path) ?? EMPTY;
}

export const edgeId = (e: { source: { node: string; port: string }; target: { node: string; port: string } }) =>
  `${e.source.node}:${e.source.port}->${e.target.node}:${e.target.port}`;

/** Whether the open document has edits made in this tab since it was loaded or saved. */
export function hasChanges(s: Pick<DocState, "doc" | "dirty" | "clean"> = useDoc.getState()): boolean {
  return s.dirty && s.doc !== s.clean;
}
