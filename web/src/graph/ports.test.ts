import { describe, expect, it } from "vitest";
import type { LayerSpec } from "../api/types";
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
