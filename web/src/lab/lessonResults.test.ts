import { describe, expect, it } from "vitest";
import type { Histogram } from "../api/runs";
import { density, finalNorms, largestWeight, weightNormCurve } from "./lessonResults";

const h = (epoch: number, norm: number, counts = [1, 3], edges = [0, 1, 3]): Histogram => ({ epoch, edges, counts, norm });
const PARAMS = {
  "fc1.weight": [h(10, 3), h(20, 6)],
  "fc1.bias": [h(10, 100), h(20, 100)],
  "fc2.weight": [h(10, 4, [2, 2, 2, 2], [0, 1, 2, 3, 4]), h(20, 8, [2, 2, 2, 2], [0, 1, 2, 3, 4])],
};

describe("lesson results", () => {
  it("sums the weights' squared norms per epoch, biases left out", () => {
    expect(weightNormCurve(PARAMS)).toEqual({ epoch: [10, 20], norm: [5, 10] });
    expect(finalNorms(PARAMS)).toEqual({ "fc1.weight": 6, "fc2.weight": 8 });
  });
  it("turns counts into a density at the bins' centres", () => {
    const d = density(h(1, 0, [1, 3], [0, 1, 3]));
    expect(d.x).toEqual([0.5, 2]);
    expect(d.y).toEqual([0.25, 0.375]); // 1/4 over width 1, 3/4 over width 2: the area is 1
  });
  it("picks the weight with the most values", () => {
    expect(largestWeight(PARAMS)).toBe("fc2.weight");
    expect(largestWeight({})).toBeNull();
  });
});
