import { describe, expect, it } from "vitest";
import { formatLegend, formatNumber, formatTicks, lastIndex, toPercent } from "./ticks";

describe("formatTicks", () => {
  it("tells a decaying learning rate's ticks apart (it read 0.001, 0.001, 0)", () => {
    expect(formatTicks([0.0012, 0.0008, 0.0004, 0])).toEqual(["0.0012", "0.0008", "0.0004", "0"]);
    expect(formatTicks([0.001, 0.0009, 0.0008])).toEqual(["0.001", "0.0009", "0.0008"]);
    const lr = [0.00105, 0.001, 0.00095];
    expect(new Set(formatTicks(lr)).size).toBe(3);
  });
  it("keeps round ticks short", () => {
    expect(formatTicks([0, 0.5, 1, 1.5, 2])).toEqual(["0", "0.5", "1", "1.5", "2"]);
    expect(formatTicks([0, 20, 40, 60, 80, 100])).toEqual(["0", "20", "40", "60", "80", "100"]);
    expect(formatTicks([2, 2.05, 2.1])).toEqual(["2", "2.05", "2.1"]);
  });
  it("writes very small and very large values in scientific notation", () => {
    expect(formatTicks([1e-5, 2e-5, 3e-5])).toEqual(["1e-5", "2e-5", "3e-5"]);
    expect(formatTicks([1e6, 2e6])).toEqual(["1e6", "2e6"]);
    expect(formatTicks([null, 1])).toEqual(["", "1"]);
  });
});

describe("formatNumber and the legend", () => {
  it("uses significant digits, not decimals", () => {
    expect(formatNumber(0.000123456)).toBe("1.235e-4");
    expect(formatNumber(2.3456789)).toBe("2.346");
    expect(formatNumber(97.5)).toBe("97.5");
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatLegend(null)).toBe("–");
    expect(formatLegend(93.25, " %")).toBe("93.25 %");
  });
});

describe("toPercent and lastIndex", () => {
  it("shows accuracy as a percentage whichever way it came", () => {
    expect(toPercent(0.9)).toBeCloseTo(90);
    expect(toPercent(90)).toBe(90);
    expect(toPercent(null)).toBeNull();
  });
  it("finds the last x with a value in any series", () => {
    expect(lastIndex([[1, 2, 3], [0.5, 0.4, null], [null, null, null]])).toBe(1);
    expect(lastIndex([[1, 2], [null, null]])).toBeNull();
    expect(lastIndex([[]])).toBeNull();
  });
});

describe("confusion matrix labels", () => {
  it("names the classes when there is one name per class, and numbers them otherwise", async () => {
    const { classLabels } = await import("./ConfusionGrid");
    expect(classLabels(2, ["non-face", "face"])).toEqual(["non-face", "face"]);
    expect(classLabels(3, ["a", "b"])).toEqual(["0", "1", "2"]);
    expect(classLabels(2, null)).toEqual(["0", "1"]);
  });
});
