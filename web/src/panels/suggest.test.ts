import { describe, expect, it } from "vitest";
import lossFit from "../../../tests/shared/loss_fit.json";
import type { DatasetSpec, LossSpec } from "../api/types";
import { lossFor, lossSuits, suggestDatasets } from "./suggest";

// Catalog order matters: the first loss that fits a task is the one suggested.
const loss = (type: string, task: LossSpec["task"]): LossSpec => ({
  type, title: type, category: "Loss", doc: "", torch: `torch.nn.${type}`, params: [], task, output: "raw", target: "index",
});
const losses = Object.fromEntries(
  [
    loss("CrossEntropyLoss", "classification"),
    loss("BCEWithLogitsLoss", "classification"),
    loss("MSELoss", "any"),
    loss("GaussianNLLLoss", "regression"),
  ].map((l) => [l.type, l]),
);
const dataset = (type: string, task: DatasetSpec["task"], offline: boolean): DatasetSpec => ({
  type, title: type, category: "Dataset", doc: "", torch: "", params: [], sample_shape: [1, 28, 28], num_classes: task === "classification" ? 10 : null, task, offline,
});

describe("loss fit (shared table with LossSpec.supports)", () => {
  for (const c of lossFit.cases) {
    it(`${c.loss_task} loss on a ${c.dataset_task} dataset: ${c.suits}`, () => {
      expect(lossSuits({ task: c.loss_task as LossSpec["task"], pixelwise: "pixelwise" in c ? c.pixelwise : false }, c.dataset_task)).toBe(c.suits);
    });
  }
});

describe("lossFor", () => {
  it("keeps any classification loss on a classification dataset, not only CrossEntropyLoss", () => {
    expect(lossFor(losses, "BCEWithLogitsLoss", "classification")).toBeNull();
    expect(lossFor(losses, "CrossEntropyLoss", "classification")).toBeNull();
  });
  it("switches a loss that does not fit to the first catalog loss that does", () => {
    expect(lossFor(losses, "GaussianNLLLoss", "classification")).toBe("CrossEntropyLoss");
    expect(lossFor(losses, "BCEWithLogitsLoss", "regression")).toBe("MSELoss");
  });
  it("keeps a loss for any task, and anything when the dataset has no task", () => {
    expect(lossFor(losses, "MSELoss", "classification")).toBeNull();
    expect(lossFor(losses, "BCEWithLogitsLoss", undefined)).toBeNull();
  });
});

describe("suggestDatasets", () => {
  const datasets = { Reg: dataset("Reg", "regression", true), Digits: dataset("Digits", "classification", false) };
  it("a BCEWithLogitsLoss user is not told to switch to CrossEntropyLoss", () => {
    const out = suggestDatasets(datasets, losses, ["B", 1, 28, 28], ["B", 10], "BCEWithLogitsLoss");
    expect(out.map((s) => [s.type, s.loss])).toEqual([["Reg", "MSELoss"], ["Digits", null]]);
  });
  it("offers only datasets whose samples have the input's shape", () => {
    expect(suggestDatasets(datasets, losses, ["B", 3, 32, 32], ["B", 10], "MSELoss")).toEqual([]);
  });
  it("never offers a kind that reads an upload (there is nothing to read until one is chosen)", () => {
    const upload = { ...dataset("ImageFolder", "classification", true), params: [{ name: "dataset", type: "int" } as DatasetSpec["params"][number]] };
    const out = suggestDatasets({ ...datasets, ImageFolder: upload }, losses, ["B", 1, 28, 28], ["B", 10], "MSELoss");
    expect(out.map((s) => s.type)).toEqual(["Reg", "Digits"]);
  });
});
