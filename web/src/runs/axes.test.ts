import { describe, expect, it } from "vitest";
import { emptyGraph } from "../store/doc";
import { parseValues, toAxis, toggleTypes, trainingPaths, variantCount, type AxisDraft } from "./axes";

const draft = (d: Partial<AxisDraft>): AxisDraft => ({ kind: "path", path: "training.lr", layerType: "", param: "", values: "", ...d });

describe("experiment axes", () => {
  it("parses comma-separated values as JSON where it can", () => {
    expect(parseValues("0, 0.01, 1e-3, true, adam, ")).toEqual([0, 0.01, 0.001, true, "adam"]);
  });

  it("converts each kind of axis to the API's shape", () => {
    expect(toAxis(draft({ path: "training.optimizer.params.weight_decay", values: "0, 0.01" }))).toEqual({ path: "training.optimizer.params.weight_decay", values: [0, 0.01] });
    expect(toAxis(draft({ kind: "layer", layerType: "Dropout", param: "p", values: "0, 0.5" }))).toEqual({ layer_type: "Dropout", param: "p", values: [0, 0.5] });
    expect(toAxis(draft({ kind: "toggle", layerType: "BatchNorm" }))).toEqual({ toggle: "BatchNorm" });
  });

  it("counts the variants as the product of the axes' values (a toggle is two)", () => {
    expect(variantCount([draft({ values: "0.01, 0.1" }), draft({ kind: "toggle" }), draft({ values: "1,2,3" })])).toBe(12);
  });

  it("offers the layer families to toggle, and the training paths", () => {
    const g = emptyGraph();
    g.nodes.push(
      { id: "bn", kind: "layer", type: "BatchNorm2d", params: {}, position: { x: 0, y: 0 } },
      { id: "d", kind: "layer", type: "Dropout", params: {}, position: { x: 0, y: 0 } },
    );
    expect(toggleTypes(g)).toEqual(["BatchNorm", "BatchNorm2d", "Dropout"]);
    const paths = trainingPaths(g, ["momentum", "weight_decay"]);
    expect(paths).toContain("training.lr");
    expect(paths).toContain("training.optimizer.params.weight_decay");
    expect(paths).toContain("training.init");
  });
});

describe("pickers instead of paths", () => {
  it("names training fields as the Training panel does", async () => {
    const { trainingLabel } = await import("./axes");
    expect(trainingLabel("training.lr")).toBe("learning rate");
    expect(trainingLabel("training.optimizer.params.weight_decay")).toBe("optimizer: weight_decay");
    expect(trainingLabel("training.dataset.params.n_samples")).toBe("dataset: n_samples");
    expect(trainingLabel("training.init")).toBe("init");
  });
  it("lists the model's layers by their canvas label, and makes a node axis", async () => {
    const { layerNodes } = await import("./axes");
    const g = emptyGraph();
    g.nodes.push(
      { id: "dropout_1", name: "drop", kind: "layer", type: "Dropout", params: {}, position: { x: 0, y: 0 } },
      { id: "linear_1", kind: "layer", type: "Linear", params: {}, position: { x: 0, y: 0 } },
    );
    expect(layerNodes(g)).toEqual([
      { id: "dropout_1", type: "Dropout", label: "drop (Dropout)" },
      { id: "linear_1", type: "Linear", label: "linear_1 (Linear)" },
    ]);
    expect(toAxis(draft({ kind: "node", node: "dropout_1", param: "p", values: "0.1, 0.3" }))).toEqual({ node: "dropout_1", param: "p", values: [0.1, 0.3] });
  });
});
