// Port derivation, mirroring LayerSpec.input_ports / output_ports (catalog/spec.py) on the specs the
// catalog serves. tests/shared/ports.json is run by both sides (ports.test.ts, tests/api/test_catalog.py).
import type { Body, GraphNode, Json, LayerSpec, ModuleDef, Params, ParamSpec, PortSpec } from "../api/types";

/** Defaults overlaid with the node's params (inferable params stay as given). */
export function withDefaults(specParams: ParamSpec[], params: Params): Params {
  const out: Params = {};
  for (const p of specParams) if (p.default !== null && p.default !== undefined) out[p.name] = p.default;
  return { ...out, ...params };
}

function count(v: Json | undefined): number {
  if (Array.isArray(v)) return v.length;
  return typeof v === "number" && Number.isInteger(v) ? Math.max(0, v) : 0;
}

function active(p: PortSpec, params: Params): boolean {
  return p.when === null || p.when === undefined || params[p.when[0]] === p.when[1];
}

export function layerInputPorts(spec: LayerSpec, params: Params): string[] {
  const all = withDefaults(spec.params, params);
  if (spec.variadic_inputs) return Array.from({ length: count(all[spec.variadic_inputs]) }, (_, i) => `in${i}`);
  return spec.inputs.filter((p) => active(p, all)).map((p) => p.name);
}

export function layerOutputPorts(spec: LayerSpec, params: Params): string[] {
  const all = withDefaults(spec.params, params);
  if (spec.variadic_outputs) return Array.from({ length: count(all[spec.variadic_outputs]) }, (_, i) => `out${i}`);
  return spec.outputs.filter((p) => active(p, all)).map((p) => p.name);
}

export interface Ports {
  inputs: string[];
  outputs: string[];
}

const NO_PORTS: Ports = { inputs: [], outputs: [] };

/** The ports of any node. `layers` and `modules` resolve layer specs and module definitions. */
export function nodePorts(
  node: GraphNode,
  layers: Record<string, LayerSpec> | undefined,
  modules: ModuleDef[],
): Ports {
  switch (node.kind) {
    case "input":
      return { inputs: [], outputs: ["out"] };
    case "output":
      return { inputs: ["in"], outputs: [] };
    case "layer": {
      const spec = layers?.[node.type];
      if (!spec) return { inputs: ["in"], outputs: ["out"] };
      return { inputs: layerInputPorts(spec, node.params), outputs: layerOutputPorts(spec, node.params) };
    }
    case "module": {
      const def = modules.find((m) => m.name === node.module);
      return def ? modulePorts(def) : NO_PORTS;
    }
  }
}

export function modulePorts(def: Body): Ports {
  return {
    inputs: def.nodes.filter((n) => n.kind === "input").map((n) => n.id),
    outputs: def.nodes.filter((n) => n.kind === "output").map((n) => n.id),
  };
}
