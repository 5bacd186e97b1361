import { describe, expect, it } from "vitest";
import { blocks } from "./Markdown";
import { indices, parseShape, statKey, statSize } from "./normGroups";

const shape = [8, 6, 3, 4];
const same = (norm: { normalized_axes: number[]; groups: number[][] | null }, a: number[], b: number[]) => statKey(norm, a) === statKey(norm, b);

describe("which values share one mean and variance", () => {
  it("BatchNorm: one per channel, over N and the positions", () => {
    const bn = { normalized_axes: [0, 2, 3], groups: null, input_shape: shape };
    expect(same(bn, [0, 1, 0, 0], [7, 1, 2, 3])).toBe(true);
    expect(same(bn, [0, 1, 0, 0], [0, 2, 0, 0])).toBe(false);
    expect(statSize(bn)).toBe(96);
  });
  it("LayerNorm [3, 4]: one per sample and channel", () => {
    const ln = { normalized_axes: [2, 3], groups: null, input_shape: shape };
    expect(same(ln, [0, 0, 0, 0], [0, 0, 2, 3])).toBe(true);
    expect(same(ln, [0, 0, 0, 0], [0, 1, 0, 0])).toBe(false);
    expect(statSize(ln)).toBe(12);
  });
  it("GroupNorm(3, 6): one per sample and group of two channels", () => {
    const gn = { normalized_axes: [1, 2, 3], groups: [[0, 1], [2, 3], [4, 5]], input_shape: shape };
    expect(same(gn, [0, 0, 0, 0], [0, 1, 2, 3])).toBe(true);
    expect(same(gn, [0, 1, 0, 0], [0, 2, 0, 0])).toBe(false);
    expect(same(gn, [0, 0, 0, 0], [1, 0, 0, 0])).toBe(false);
    expect(statSize(gn)).toBe(24);
  });
  it("enumerates capped indices and parses shapes", () => {
    expect(indices([2, 3], 2)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(indices([], 2)).toEqual([[]]);
    expect(parseShape("8, 6, 3, 4")).toEqual([8, 6, 3, 4]);
    expect(parseShape("8, 0")).toBeNull();
    expect(parseShape("8, a")).toBeNull();
  });
});

describe("lesson Markdown", () => {
  it("splits paragraphs and lists, joining continued list lines", () => {
    expect(blocks("A **b**\nc.\n\n- one\n  more\n- two\n")).toEqual([
      { kind: "p", text: "A **b** c." },
      { kind: "ul", items: ["one more", "two"] },
    ]);
  });
});
