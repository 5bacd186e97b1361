// What a published result and a candidate run read like.
import { describe, expect, it } from "vitest";
import type { RunSummary } from "../api/runs";
import { parseTags, runLabel } from "./PublishDialog";
import { resultText } from "./Versions";

describe("resultText", () => {
  it("reads like a claim with its evidence", () => {
    expect(resultText({ run_id: 3, metric: "test_acc", value: 0.95123, dataset: "LFWFaces", epochs: 20, seed: 0 })).toBe(
      "test acc 0.951 on LFWFaces, 20 epochs, seed 0",
    );
    expect(resultText({ run_id: 3, metric: "test_loss", value: 2, dataset: "Regression1D", epochs: 1, seed: 7 })).toBe(
      "test loss 2 on Regression1D, 1 epoch, seed 7",
    );
  });
});

describe("runLabel", () => {
  const run = (final: RunSummary["final"]) => ({ id: 12, label: "", final }) as RunSummary;
  it("shows the metric a run would publish", () => {
    expect(runLabel(run({ epoch: 3, train_loss: 0.1, test_acc: 0.9532, epochs: 3 }))).toBe("#12 · test_acc 0.953 · 3 epochs");
    expect(runLabel(run({ epoch: 1, train_loss: 0.1, test_loss: 0.80912 }))).toBe("#12 · test_loss 0.809 · 1 epoch");
    expect(runLabel(run(null))).toBe("#12 · no test metric");
  });
});

describe("parseTags", () => {
  it("splits, trims, lower-cases and drops repeats", () => {
    expect(parseTags(" CNN, small,,cnn ,  ")).toEqual(["cnn", "small"]);
  });
});
