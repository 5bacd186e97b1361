// Group a selection into a module definition, and inline (ungroup) a module instance.
import type { Body, Edge, GraphNode, ModuleDef, ModuleNode, Shape } from "../api/types";
import { freshId, freshName } from "./ids";

const key = (r: { node: string; port: string }) => `${r.node}\u0000${r.port}`;

export interface GroupResult {
  body: Body;
  def: ModuleDef;
  instance: ModuleNode;
}

/**
 * Move `selected` nodes of `body` into a new definition `name`. Every distinct outside tensor
 * that enters the group becomes an input node of the definition (in, in1, ...), and every
 * inside tensor that leaves it an output node (out, out1, ...); their ids are the instance's
 * port names. `shapeOf` gives the shape of an outside tensor, for the definition's input nodes.
 */
export function groupIntoModule(
  body: Body,
  selected: Set<string>,
  name: string,
  shapeOf: (ref: { node: string; port: string }) => Shape | undefined,
): GroupResult | null {
  const inside = body.nodes.filter((n) => selected.has(n.id) && n.kind !== "input" && n.kind !== "output");
  if (inside.length === 0) return null;
  const ids = new Set(inside.map((n) => n.id));
  const taken = new Set(body.nodes.map((n) => n.id));
  const portNames = new Set<string>(ids);

  const xs = inside.map((n) => n.position.x);
  const ys = inside.map((n) => n.position.y);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);

  const defNodes: GraphNode[] = [...inside];
  const defEdges: Edge[] = [];
  const outerEdges: Edge[] = [];
  const inputFor = new Map<string, string>(); // outside source -> def input id
  const outputFor = new Map<string, string>(); // inside source -> def output id
  const instanceId = freshId(name, taken);

  for (const e of body.edges) {
    const s = ids.has(e.source.node), t = ids.has(e.target.node);
    if (s && t) defEdges.push(e);
    else if (!s && t) {
      let inId = inputFor.get(key(e.source));
      if (!inId) {
        inId = freshName("in", portNames);
        inputFor.set(key(e.source), inId);
        const shape = shapeOf(e.source) ?? ["B", 1];
        defNodes.push({ id: inId, kind: "input", shape, position: { x: minX + 220 * (inputFor.size - 1), y: minY - 120 } });
        outerEdges.push({ source: e.source, target: { node: instanceId, port: inId } });
      }
      defEdges.push({ source: { node: inId, port: "out" }, target: e.target });
    } else if (s && !t) {
      let outId = outputFor.get(key(e.source));
      if (!outId) {
        outId = freshName("out", portNames);
        outputFor.set(key(e.source), outId);
        defNodes.push({ id: outId, kind: "output", position: { x: minX + 220 * (outputFor.size - 1), y: maxY + 120 } });
        defEdges.push({ source: e.source, target: { node: outId, port: "in" } });
      }
      outerEdges.push({ source: { node: instanceId, port: outId }, target: e.target });
    } else outerEdges.push(e);
  }
  // A definition without ports cannot be used; give it at least one output of its last node.
  const def: ModuleDef = { name, description: "", nodes: defNodes, edges: defEdges };
  const instance: ModuleNode = {
    id: instanceId,
    kind: "module",
    module: name,
    position: { x: (minX + maxX) / 2, y: (minY + maxY) / 2 },
  };
  const nodes = body.nodes.filter((n) => !ids.has(n.id));
  nodes.push(instance);
  return { body: { nodes, edges: outerEdges }, def, instance };
}

/** Replace module instance `instanceId` of `body` by a copy of the definition's content. */
export function ungroupModule(body: Body, instanceId: string, def: ModuleDef): Body | null {
  const inst = body.nodes.find((n) => n.id === instanceId);
  if (!inst || inst.kind !== "module") return null;
  const taken = new Set(body.nodes.map((n) => n.id));
  taken.delete(instanceId);
  const rename = new Map<string, string>();
  const ports = new Set(def.nodes.filter((n) => n.kind === "input" || n.kind === "output").map((n) => n.id));
  const content = def.nodes.filter((n) => !ports.has(n.id));
  const cx = avg(content.map((n) => n.position.x)), cy = avg(content.map((n) => n.position.y));
  const newNodes: GraphNode[] = content.map((n) => {
    const id = taken.has(n.id) ? freshId(n.id, taken) : (taken.add(n.id), n.id);
    rename.set(n.id, id);
    return { ...n, id, position: { x: n.position.x - cx + inst.position.x, y: n.position.y - cy + inst.position.y } };
  });
  const r = (ref: { node: string; port: string }) => ({ node: rename.get(ref.node) ?? ref.node, port: ref.port });
  // Inside: for each def input port, who consumes it; for each def output, who produces it.
  const consumers = new Map<string, { node: string; port: string }[]>();
  const producer = new Map<string, { node: string; port: string }>();
  const edges: Edge[] = [];
  for (const e of def.edges) {
    const fromIn = ports.has(e.source.node), toOut = ports.has(e.target.node);
    if (fromIn && toOut) continue; // pass-through: handled below
    if (fromIn) consumers.set(e.source.node, [...(consumers.get(e.source.node) ?? []), r(e.target)]);
    else if (toOut) producer.set(e.target.node, r(e.source));
    else edges.push({ source: r(e.source), target: r(e.target) });
  }
  const incoming = new Map<string, { node: string; port: string }>();
  for (const e of body.edges) if (e.target.node === instanceId) incoming.set(e.target.port, e.source);
  for (const e of def.edges)
    if (ports.has(e.source.node) && ports.has(e.target.node)) {
      const src = incoming.get(e.source.node);
      if (src) producer.set(e.target.node, src);
    }
  for (const e of body.edges) {
    if (e.target.node === instanceId) {
      for (const c of consumers.get(e.target.port) ?? []) edges.push({ source: e.source, target: c });
    } else if (e.source.node === instanceId) {
      const p = producer.get(e.source.port);
      if (p) edges.push({ source: p, target: e.target });
    } else edges.push(e);
  }
  return { nodes: [...body.nodes.filter((n) => n.id !== instanceId), ...newNodes], edges };
}

function avg(v: number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
}
