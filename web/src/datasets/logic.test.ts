import { describe, expect, it } from "vitest";
import { balanceBars, countsText, csvHeader, inputSuggestion } from "./logic";

describe("csvHeader", () => {
  it("splits the first line, with quotes and a BOM", () => {
    expect(csvHeader('\uFEFFa,"b, c","say ""hi""",y\r\n1,2,3,4')).toEqual(["a", "b, c", 'say "hi"', "y"]);
  });
  it("is empty for an empty file", () => {
    expect(csvHeader("")).toEqual([]);
  });
});

describe("inputSuggestion", () => {
  it("offers the data set's shape unless the input has it", () => {
    expect(inputSuggestion(["B", 1, 28, 28], { input_shape: [3, 32, 32] })).toEqual(["B", 3, 32, 32]);
    expect(inputSuggestion(["B", 3, 32, 32], { input_shape: [3, 32, 32] })).toBeNull();
    expect(inputSuggestion(undefined, { input_shape: [4] })).toEqual(["B", 4]);
  });
});

describe("balanceBars", () => {
  it("scales each class to the largest and counts the hidden ones", () => {
    const { bars, hidden } = balanceBars({ classes: ["a", "b", "c"], class_counts: { train: [8, 4, 2], test: [2, 1, 0] } }, 2);
    expect(bars).toEqual([
      { name: "a", train: 8, test: 2, share: 1 },
      { name: "b", train: 4, test: 1, share: 0.5 },
    ]);
    expect(hidden).toBe(1);
  });
});

describe("countsText", () => {
  it("says samples, split and classes", () => {
    expect(countsText({ num_train: 960, num_test: 240, classes: ["a", "b", "c"], task: "classification", kind: "images" }))
      .toBe("1,200 images (960 train / 240 test), 3 classes");
  });
});
