// Editing actions on the open body. Components call these; they never set state themselves.
import type { Body, Edge, GraphNode, Graph, Json, Params, Spec, Position, Shape, TrainingConfig } from "../api/types";
import { freshId } from "../graph/ids";
import { autoLayout } from "../graph/layout";
import { nodePorts } from "../graph/ports";
import { useCatalog } from "./catalog";
import { newInputShape } from "./defaults";
import { currentBody, edgeId, normalize, useDoc } from "./doc";
import { commit, commitBody, markOwner } from "./history";
import { useUi } from "./ui";

const bodyIds = () => new Set(currentBody(useDoc.getState()).nodes.map((n) => n.id));

/** Params a freshly placed layer starts with: the example of each required, non-inferred param. */
export function initialParams(spec: Spec | undefined): Params {
  const out: Params = {};
  for (const p of spec?.params ?? []) if (p.required && !p.infer && p.example !== null) out[p.name] = p.example;
  return out;
}

export function addNode(node: GraphNode): void {
  commitBody((b) => ({ ...b, nodes: [...b.nodes, node] }));
  select([node.id]);
}

export function addLayer(type: string, position: Position): string {
  const spec = useCatalog.getState().catalog?.layers[type];
  const id = freshId(type, bodyIds());
  addNode({ id, kind: "layer", type, params: initialParams(spec), position });
  return id;
}

export function addInput(position: Position): string {
  const id = freshId("x", bodyIds());
  addNode({ id, kind: "input", shape: newInputShape(), position });
  return id;
}

export function addOutput(position: Position): string {
  const id = freshId("y", bodyIds());
  addNode({ id, kind: "output", position });
  return id;
}

export function addModuleInstance(module: string, position: Position): string {
  const id = freshId(module, bodyIds());
  addNode({ id, kind: "module", module, position });
  return id;
}

function updateNode(id: string, fn: (n: GraphNode) => GraphNode, prune = false): void {
  commitBody((b) => {
    const next = { ...b, nodes: b.nodes.map((n) => (n.id === id ? fn(n) : n)) };
    return prune ? pruneEdges(next) : next;
  });
}

/** Set a layer param; `undefined` removes it (back to default, or auto when inferable). */
export function setParam(id: string, name: string, value: Json | undefined): void {
  updateNode(id, (n) => {
    if (n.kind !== "layer") return n;
    const params = { ...n.params };
    if (value === undefined) delete params[name];
    else params[name] = value;
    return { ...n, params };
  }, true);
}

export function setDisplayName(id: string, name: string): void {
  updateNode(id, (n) => ({ ...n, name: name.trim() ? name.trim() : null }));
}

export function setInputShape(id: string, shape: Shape): void {
  updateNode(id, (n) => (n.kind === "input" ? { ...n, shape } : n));
}

/** Drop edges whose port no longer exists (after Add's n or Split's sections shrink). */
export function pruneEdges(b: Body): Body {
  const layers = useCatalog.getState().catalog?.layers;
  if (!layers) return b; // ports are unknown until the catalog has loaded
  const modules = useDoc.getState().doc.modules;
  const byId = new Map(b.nodes.map((n) => [n.id, nodePorts(n, layers, modules)]));
  const ok = (e: Edge) =>
    !!byId.get(e.source.node)?.outputs.includes(e.source.port) && !!byId.get(e.target.node)?.inputs.includes(e.target.port);
  return b.edges.every(ok) ? b : { ...b, edges: b.edges.filter(ok) };
}

export function connect(e: Edge): void {
  commitBody((b) => ({
    ...b,
    // One edge per input handle: a new connection replaces the old one.
    edges: [
      ...b.edges.filter((x) => !(x.target.node === e.target.node && x.target.port === e.target.port)),
      { source: e.source, target: e.target },
    ],
  }));
}

/** Put a (just added) node into an edge: source -> node's first input, node's first output -> target. */
export function insertIntoEdge(id: string, nodeId: string): void {
  const body = currentBody(useDoc.getState());
  const e = body.edges.find((x) => edgeId(x) === id);
  const node = body.nodes.find((n) => n.id === nodeId);
  if (!e || !node) return;
  const ports = nodePorts(node, useCatalog.getState().catalog?.layers, useDoc.getState().doc.modules);
  const inp = ports.inputs[0], out = ports.outputs[0];
  if (!inp || !out) return;
  commitBody((b) => ({
    ...b,
    edges: [
      ...b.edges.filter((x) => edgeId(x) !== id),
      { source: e.source, target: { node: nodeId, port: inp } },
      { source: { node: nodeId, port: out }, target: e.target },
    ],
  }));
}

export function removeEdges(ids: string[]): void {
  const drop = new Set(ids);
  commitBody((b) => ({ ...b, edges: b.edges.filter((e) => !drop.has(edgeId(e))) }));
}

export function removeNodes(ids: string[]): void {
  const drop = new Set(ids);
  commitBody((b) => ({
    nodes: b.nodes.filter((n) => !drop.has(n.id)),
    edges: b.edges.filter((e) => !drop.has(e.source.node) && !drop.has(e.target.node)),
  }));
  useDoc.setState({ selected: {} });
}

export function deleteSelection(): void {
  const s = useDoc.getState();
  const nodes = Object.keys(s.selected);
  const edges = Object.keys(s.selectedEdges);
  if (edges.length) removeEdges(edges);
  if (nodes.length) removeNodes(nodes);
  useDoc.setState({ selectedEdges: {} });
}

export function moveNodes(positions: Record<string, Position>, history = false): void {
  commitBody(
    (b) => ({ ...b, nodes: b.nodes.map((n) => (positions[n.id] ? { ...n, position: positions[n.id] } : n)) }),
    { semantic: false, history },
  );
}

/** Lay the open body out anew (elkjs, in a worker: it answers later). */
export async function layout(sizeOf?: (id: string) => { width?: number; height?: number } | undefined): Promise<void> {
  const view = useUi.getState().canvasSize ?? undefined;
  const s = useDoc.getState();
  const body = currentBody(s);
  const layers = useCatalog.getState().catalog?.layers;
  const byId = new Map(body.nodes.map((n) => [n.id, n]));
  const ports = (id: string) => {
    const n = byId.get(id);
    return n ? nodePorts(n, layers, s.doc.modules) : { inputs: [], outputs: [] };
  };
  const positions = await autoLayout(body, sizeOf, view, ports);
  // Another model opened (or nodes added or removed) meanwhile: this layout is not for it.
  const now = useDoc.getState();
  const ids = (b: Body) => b.nodes.map((n) => n.id).join("\n");
  if (now.path !== s.path || now.doc.name !== s.doc.name || ids(currentBody(now)) !== ids(body)) return;
  moveNodes(positions, true);
}

export function select(ids: string[], additive = false): void {
  useDoc.setState((s) => {
    const selected: Record<string, true> = additive ? { ...s.selected } : {};
    for (const id of ids) selected[id] = true;
    return { selected, selectedEdges: additive ? s.selectedEdges : {} };
  });
}

export function setSelection(nodes: Record<string, true>, edges: Record<string, true>): void {
  useDoc.setState({ selected: nodes, selectedEdges: edges });
}

export function setModelName(name: string): void {
  commit((d) => ({ ...d, name: name || "Net" }), { semantic: true });
}

export function setTraining(patch: Partial<TrainingConfig>): void {
  commit((d) => ({ ...d, training: { ...d.training, ...patch } }));
}

/** Replace the whole document (open a model, template or imported file); clears history. */
/**
 * Open a whole document. `undoable`: the document it replaces stays in the history, one Undo
 * away, as the model it was (store/replace.ts asks before a replace that would lose edits).
 */
export function loadDocument(
  g: Partial<Graph>,
  modelId: string | null = null,
  opts: { undoable?: boolean; version?: number | null } = {},
): void {
  const doc = normalize(g);
  if (opts.undoable) {
    const s = useDoc.getState();
    markOwner(s.doc, s.modelId);
    markOwner(doc, modelId);
  }
  useDoc.setState((s) => ({
    doc,
    modelId,
    path: null,
    past: opts.undoable ? [...s.past, s.doc] : [],
    future: [],
    selected: {},
    selectedEdges: {},
    rev: s.rev + 1,
    dirty: false,
    clean: doc,
    version: modelId === null ? null : (opts.version ?? null),
    loaded: s.loaded + 1,
  }));
}
