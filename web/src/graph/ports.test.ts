import { describe, expect, it } from "vitest";
import table from "../../../tests/shared/ports.json";
import type { Json, LayerSpec, Params, PortSpec } from "../api/types";
import { layerInputPorts, layerOutputPorts, nodePorts } from "./ports";

const spec = (over: Partial<LayerSpec>): LayerSpec => ({
  type: "X", title: "X", category: "c", doc: "", torch: "", params: [],
  inputs: [{ name: "in", doc: "", optional: false, when: null }],
  outputs: [{ name: "out", doc: "", optional: false, when: null }],
  variadic_inputs: null, variadic_outputs: null, key_params: [], example_inputs: {}, is_op: false, ...over,
});
const param = (name: string, def: unknown) => ({
  name, type: "int" as const, default: def as never, required: false, nullable: false, choices: null,
  minimum: null, maximum: null, length: null, doc: "", infer: null, example: null,
});

// The same cases as the server's LayerSpec.input_ports / output_ports (tests/api/test_catalog.py),
// on the port fields of the specs the catalog serves.
type PortFields = { name: string; optional: boolean; when: Json[] | null };
type SpecFields = {
  inputs: PortFields[]; outputs: PortFields[]; variadic_inputs: string | null; variadic_outputs: string | null;
  params: { name: string; default: Json }[];
};
const served = (type: string): LayerSpec => {
  const f = (table.specs as Record<string, SpecFields>)[type];
  const ports = (ps: PortFields[]): PortSpec[] => ps.map((p) => ({ ...p, doc: "", when: p.when as PortSpec["when"] }));
  return spec({
    type, inputs: ports(f.inputs), outputs: ports(f.outputs), variadic_inputs: f.variadic_inputs, variadic_outputs: f.variadic_outputs,
    params: f.params.map((p) => param(p.name, p.default)),
  });
};

describe("ports (shared table with the server)", () => {
  for (const c of table.cases) {
    it(`${c.layer} ${JSON.stringify(c.params)}`, () => {
      const s = served(c.layer);
      expect(layerInputPorts(s, c.params as Params)).toEqual(c.inputs);
      expect(layerOutputPorts(s, c.params as Params)).toEqual(c.outputs);
    });
  }
});

describe("ports", () => {
  it("variadic inputs from n, defaulting to the catalog default", () => {
    const add = spec({ variadic_inputs: "n", params: [param("n", 2)] });
    expect(layerInputPorts(add, {})).toEqual(["in0", "in1"]);
    expect(layerInputPorts(add, { n: 3 })).toEqual(["in0", "in1", "in2"]);
  });
  it("variadic outputs from chunks or from the length of sections", () => {
    expect(layerOutputPorts(spec({ variadic_outputs: "chunks" }), { chunks: 3 })).toEqual(["out0", "out1", "out2"]);
    expect(layerOutputPorts(spec({ variadic_outputs: "sections" }), { sections: [4, 4] })).toEqual(["out0", "out1"]);
  });
  it("conditional ports follow `when`", () => {
    const pool = spec({
      params: [{ ...param("return_indices", false), type: "bool" }],
      outputs: [
        { name: "out", doc: "", optional: false, when: null },
        { name: "indices", doc: "", optional: false, when: ["return_indices", true] },
      ],
    });
    expect(layerOutputPorts(pool, {})).toEqual(["out"]);
    expect(layerOutputPorts(pool, { return_indices: true })).toEqual(["out", "indices"]);
  });
  it("module ports are its definition's input and output ids", () => {
    const def = {
      name: "B", nodes: [
        { id: "in", kind: "input" as const, shape: ["B", 4], position: { x: 0, y: 0 } },
        { id: "skip", kind: "input" as const, shape: ["B", 4], position: { x: 0, y: 0 } },
        { id: "out", kind: "output" as const, position: { x: 0, y: 0 } },
      ], edges: [],
    };
    expect(nodePorts({ id: "m", kind: "module", module: "B", position: { x: 0, y: 0 } }, {}, [def])).toEqual({
      inputs: ["in", "skip"], outputs: ["out"],
    });
  });
});

import { topoOrder } from "./topo";
describe("topoOrder", () => {
  it("orders by data flow, not document order", () => {
    const p = { x: 0, y: 0 };
    const body = {
      nodes: [
        { id: "y", kind: "output" as const, position: p },
        { id: "a", kind: "layer" as const, type: "ReLU", params: {}, position: p },
        { id: "x", kind: "input" as const, shape: ["B", 2], position: p },
      ],
      edges: [
        { source: { node: "a", port: "out" }, target: { node: "y", port: "in" } },
        { source: { node: "x", port: "out" }, target: { node: "a", port: "in" } },
      ],
    };
    expect(topoOrder(body).map((n) => n.id)).toEqual(["x", "a", "y"]);
  });
});
