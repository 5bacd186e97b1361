// Node sizes before they are drawn, against the heights Chromium drew for the templates' nodes
// (1600x1000, measured with offsetHeight on LeNet_bn, the LSTM classifier and the U-Net).
import { describe, expect, it } from "vitest";
import type { GraphNode, LayerSpec } from "../api/types";
import { laidOut, NODE_H } from "../graph/layout";
import lenet from "../../../examples/seed_lenet_bn.json";
import type { Body } from "../api/types";
import { nodeBoxes } from "./route";
import { estimateFlowNode, estimateNodeSize, estimatedSizes, paramLines } from "./nodeSize";

const param = (name: string, def: unknown, infer: string | null = null) => ({
  name, type: "int" as const, default: def as never, required: false, nullable: false, choices: null,
  minimum: null, maximum: null, length: null, doc: "", infer, example: null,
});
const spec = (type: string, key: string[], params: ReturnType<typeof param>[]): LayerSpec => ({
  type, title: type, category: "c", doc: "", torch: "", params, inputs: [], outputs: [],
  variadic_inputs: null, variadic_outputs: null, key_params: key, example_inputs: {}, is_op: false,
} as LayerSpec);
const layers: Record<string, LayerSpec> = {
  Conv2d: spec("Conv2d", ["out_channels", "kernel_size", "stride", "padding"], [
    param("in_channels", null, "channels"), param("out_channels", null), param("kernel_size", null), param("stride", 1), param("padding", 0),
  ]),
  ReLU: spec("ReLU", [], []),
  Linear: spec("Linear", ["out_features"], [param("in_features", null, "features"), param("out_features", null)]),
  BatchNorm2d: spec("BatchNorm2d", ["num_features"], [param("num_features", null, "channels")]),
  LSTM: spec("LSTM", ["hidden_size", "num_layers"], [param("hidden_size", null), param("num_layers", 1)]),
  BatchNorm1d: spec("BatchNorm1d", ["num_features"], [param("num_features", null, "features")]),
  MaxPool2d: spec("MaxPool2d", ["kernel_size", "stride"], [param("kernel_size", null), param("stride", null)]),
  Flatten: spec("Flatten", ["start_dim"], [param("start_dim", 1)]),
};
const layer = (id: string, type: string, params = {}): GraphNode => ({ id, kind: "layer", type, params, position: { x: 0, y: 0 } });

describe("node sizes before drawing", () => {
  it.each([
    [layer("conv1", "Conv2d", { out_channels: 6, kernel_size: 5 }), 102], // three lines of params
    [layer("relu1", "ReLU"), 54],
    [layer("fc2", "Linear", { out_features: 84 }), 72],
    [layer("bn1", "BatchNorm2d"), 72], // num_features=auto until the check infers it
    [layer("lstm", "LSTM", { hidden_size: 64 }), 87],
    [{ id: "image", kind: "input", shape: ["B", 3, 32, 32], position: { x: 0, y: 0 } } as GraphNode, 60],
    [{ id: "logits", kind: "output", position: { x: 0, y: 0 } } as GraphNode, 54],
  ])("%o is about %i px tall, as drawn", (node, drawn) => {
    expect(Math.abs(estimateNodeSize(node, layers).height - drawn)).toBeLessThanOrEqual(3);
  });

  it("wraps params as the node's flex row does: whole, with the gap between", () => {
    expect(paramLines([])).toBe(0);
    expect(paramLines(["kernel_size=5", "stride=1"])).toBe(1);
    expect(paramLines(["out_channels=6", "kernel_size=5", "stride=1", "padding=0"])).toBe(3);
  });

  it("a node of an unknown type, and an id the layout asks about that is not there", () => {
    expect(estimateNodeSize(layer("z", "Nope"), layers).height).toBe(54);
    const sizeOf = estimatedSizes([layer("conv1", "Conv2d", { out_channels: 6, kernel_size: 5 })], layers);
    expect(sizeOf("conv1")!.height).toBeGreaterThan(NODE_H);
    expect(sizeOf("missing")).toBeUndefined();
  });
});

describe("a template laid out before it is drawn (Quick start)", () => {
  /** The smallest gap, as drawn, between a node and the one below it that it feeds. */
  const tightest = (body: Body, sizeOf: (id: string) => { width: number; height: number } | undefined) => {
    const boxes = nodeBoxes(body, sizeOf);
    let gap = Infinity;
    for (const e of body.edges) {
      const a = boxes.get(e.source.node)!, b = boxes.get(e.target.node)!;
      if (b.y > a.y && Math.abs(a.x - b.x) < 1) gap = Math.min(gap, b.y - (a.y + a.h));
    }
    return gap;
  };

  it("with each node's own height, a shape label has the whole gap between two nodes (with 80 px, tall ones crowd it)", async () => {
    const body = structuredClone(lenet) as unknown as Body;
    const sizes = estimatedSizes(body.nodes, layers);
    const view = { width: 1040, height: 955 }; // the canvas at 1600x1000
    // ELK keeps 56 px between layers: room for a label (LABEL_H 18) and a margin above and below.
    expect(tightest(await laidOut(body, view, sizes), sizes)).toBeGreaterThanOrEqual(50);
    expect(tightest(await laidOut(body, view), sizes)).toBeLessThan(40); // conv1 (102 px drawn) laid out as 80
  }, 60_000);
});

describe("a big graph's nodes before React Flow draws them", () => {
  it("have the estimated size, and handles where PortRow puts them (centred on the top and bottom borders)", () => {
    const port = (name: string) => ({ name, doc: "", optional: false, when: null });
    const conv = { ...layers.Conv2d, inputs: [port("in")], outputs: [port("out")] } as LayerSpec;
    const node = layer("conv1", "Conv2d", { out_channels: 6, kernel_size: 5 });
    const est = estimateFlowNode({ Conv2d: conv }, [])(node);
    const h = estimateNodeSize(node, layers).height;
    expect(est.measured).toEqual({ width: 200, height: h });
    expect(est.handles).toEqual([
      { id: "in", type: "target", position: "top", x: 95, y: -5, width: 10, height: 10 },
      { id: "out", type: "source", position: "bottom", x: 95, y: h - 5, width: 10, height: 10 },
    ]);
  });
});
