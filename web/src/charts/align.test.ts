import { describe, expect, it } from "vitest";
import { alignCurves, alignSeries, anyValue } from "./align";

describe("aligning runs' curves on one x axis", () => {
  it("merges epochs of runs of different lengths, with gaps where a run has no point", () => {
    const runs = [
      { curves: { epoch: [1, 2, 3], train_loss: [3, 2, 1] } },
      { curves: { epoch: [1, 2], train_loss: [4, "NaN"] } },
      { curves: { epoch: [], train_loss: [] } }, // queued: no epoch yet
    ];
    expect(alignCurves(runs, "train_loss")).toEqual([[1, 2, 3], [3, 2, 1], [4, null, null], [null, null, null]]);
  });

  it("gives an all-null series for a curve a run does not have", () => {
    const data = alignCurves([{ curves: { epoch: [1, 2], train_loss: [1, 1] } }], "test_acc");
    expect(data).toEqual([[1, 2], [null, null]]);
    expect(anyValue(data)).toBe(false);
  });

  it("sorts the union of x values (a fitted curve and scattered points)", () => {
    expect(alignSeries([[0, 0.5, 1], [0.75, 0.25]], [[0, 1, 2], [9, 8]])).toEqual([
      [0, 0.25, 0.5, 0.75, 1],
      [0, null, 1, null, 2],
      [null, 8, null, 9, null],
    ]);
  });
});
