import { afterEach, describe, expect, it } from "vitest";
import served from "../../../tests/shared/defaults.json";
import type { Defaults } from "../api/types";
import { newInputShape, setDefaults, trainingChoices } from "./defaults";
import { emptyGraph, normalize } from "./doc";

const shared = served as Defaults;
// Other defaults than the shared file's, so a value copied into the front end would show.
const otherTraining = { ...shared.graph.training, epochs: 3, lr: 0.5, loss: { type: "L1Loss", params: {} } };
const other: Defaults = {
  training_choices: { device: ["auto", "cpu", "mps"] },
  training_labels: { "training.lr": "step size" },
  training_groups: { optimizer: "optim" },
  graph: { ...shared.graph, name: "Model", training: otherTraining },
  new_graph: {
    ...shared.new_graph, name: "Model", training: { ...otherTraining, dataset: { type: "Digits", params: {} } },
    nodes: [{ id: "x", kind: "input", shape: ["B", 1, 8, 8], position: { x: 0, y: 0 } }, { id: "y", kind: "output", position: { x: 0, y: 300 } }],
  },
};

describe("documents derive from the served defaults", () => {
  afterEach(() => setDefaults(shared));

  it("a new document is the served new document: its input, dataset and loss", () => {
    setDefaults(other);
    const g = emptyGraph();
    expect(g.training).toEqual(other.new_graph.training);
    expect(g.name).toBe("Model");
    expect(g.nodes.map((n) => n.kind)).toEqual(["input", "output"]);
    expect(g.nodes[0]).toMatchObject({ shape: ["B", 1, 8, 8] });
    expect(newInputShape()).toEqual(["B", 1, 8, 8]); // an input added later takes the same shape
  });

  it("the shared new document's input fits its dataset and loss (the server checks it: test_catalog.py)", () => {
    const g = emptyGraph();
    expect(g.nodes[0]).toMatchObject({ kind: "input", shape: ["B", 3, 32, 32] });
    expect(g.training.dataset.type).toBe("LFWFaces");
    expect(g.training.loss.type).toBe("CrossEntropyLoss");
  });

  it("a new document is a copy: editing it leaves the defaults alone", () => {
    const g = emptyGraph("Mine");
    g.training.loss.params.reduction = "sum";
    expect(g.name).toBe("Mine");
    expect(emptyGraph().training.loss.params).toEqual({});
  });

  it("what an older document leaves out is filled from the served defaults", () => {
    setDefaults(other);
    const g = normalize({ nodes: [], edges: [], training: { epochs: 7 } as never });
    expect(g.training).toEqual({ ...other.graph.training, epochs: 7 });
    expect(g.training.init).toBe(shared.graph.training.init);
    expect(g.name).toBe("Model");
  });

  it("the device choices are the served ones", () => {
    setDefaults(other);
    expect(trainingChoices("device")).toEqual(["auto", "cpu", "mps"]);
    expect(trainingChoices("init")).toEqual([]);
  });

  it("the words for training fields are the served ones", async () => {
    setDefaults(other);
    const { trainingLabel } = await import("../runs/axes");
    expect(trainingLabel("training.lr")).toBe("step size");
    expect(trainingLabel("training.optimizer.params.momentum")).toBe("optim: momentum");
    expect(trainingLabel("training.loss.params.reduction")).toBe("loss params reduction");
  });
});
