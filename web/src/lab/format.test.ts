import { describe, expect, it } from "vitest";
import { shortNumber } from "./format";

describe("shortNumber", () => {
  it("drops float noise and keeps what matters", () => {
    expect(shortNumber(1 / (1 - 0.9))).toBe("10");
    expect(1 / (1 - 0.9)).not.toBe(10); // the noise this removes
    expect(shortNumber(2)).toBe("2");
    expect(shortNumber(1 / (1 - 0.3))).toBe("1.42857");
    expect(shortNumber(Infinity)).toBe("Infinity");
  });
});
