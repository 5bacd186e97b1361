// Nested modules: group a selection, ungroup an instance, open/close a definition, rename.
import type { Body, Graph, GraphNode } from "../api/types";
import { groupIntoModule, ungroupModule } from "../graph/group";
import { freshName } from "../graph/ids";
import { useCheck } from "./check";
import { currentBody, useDoc } from "./doc";
import { commit, replaceBody } from "./history";

function nextModuleName(doc: Graph): string {
  const taken = new Set(doc.modules.map((m) => m.name));
  for (let i = 1; ; i++) if (!taken.has(`Block${i}`)) return `Block${i}`;
}

/** Group the selected nodes into a new module definition. Returns its name, or null. */
export function groupSelection(name?: string): string | null {
  const s = useDoc.getState();
  const moduleName = name ?? nextModuleName(s.doc);
  const check = useCheck.getState().result;
  const results = s.path === null ? check?.nodes : check?.modules?.[s.path];
  const shapeOf = (r: { node: string; port: string }) => results?.[r.node]?.outputs?.[r.port];
  const grouped = groupIntoModule(currentBody(s), new Set(Object.keys(s.selected)), moduleName, shapeOf);
  if (!grouped) return null;
  commit((doc) => ({
    ...replaceBody(doc, s.path, () => grouped.body),
    modules: [...doc.modules, grouped.def],
  }));
  useDoc.setState({ selected: { [grouped.instance.id]: true } });
  return moduleName;
}

export function ungroup(instanceId: string): void {
  const s = useDoc.getState();
  const inst = currentBody(s).nodes.find((n) => n.id === instanceId);
  if (!inst || inst.kind !== "module") return;
  const def = s.doc.modules.find((m) => m.name === inst.module);
  if (!def) return;
  const body = ungroupModule(currentBody(s), instanceId, def);
  if (!body) return;
  commit((doc) => replaceBody(doc, s.path, () => body));
  useDoc.setState({ selected: {} });
}

export function openModule(name: string | null): void {
  useDoc.setState({ path: name, selected: {}, selectedEdges: {} });
}

const renameIn = (b: Body, from: string, to: string): Body =>
  b.nodes.some((n) => n.kind === "module" && n.module === from)
    ? { ...b, nodes: b.nodes.map((n): GraphNode => (n.kind === "module" && n.module === from ? { ...n, module: to } : n)) }
    : b;

/** Rename a definition and every instance of it. Returns the name actually used. */
export function renameModule(from: string, to: string): string {
  const clean = to.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(\d)/, "_$1");
  const s = useDoc.getState();
  if (!clean || clean === from) return from;
  const name = freshName(clean, new Set(s.doc.modules.map((m) => m.name)));
  commit((doc) => {
    const root = renameIn(doc, from, name);
    return {
      ...doc,
      nodes: root.nodes,
      modules: doc.modules.map((m) => ({ ...renameIn(m, from, name), name: m.name === from ? name : m.name })),
    };
  });
  if (s.path === from) useDoc.setState({ path: name });
  return name;
}

export function deleteModule(name: string): void {
  const used = (b: Body) => b.nodes.some((n) => n.kind === "module" && n.module === name);
  const doc = useDoc.getState().doc;
  if (used(doc) || doc.modules.some(used)) {
    alert(`${name} is still used; delete or ungroup its instances first.`);
    return;
  }
  commit((d) => ({ ...d, modules: d.modules.filter((m) => m.name !== name) }));
  if (useDoc.getState().path === name) openModule(null);
}
