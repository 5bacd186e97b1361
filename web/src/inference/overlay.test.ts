import { describe, expect, it } from "vitest";
import { blend, classColor } from "./overlay";

describe("blend", () => {
  const image = new Uint8ClampedArray([100, 100, 100, 255, 10, 20, 30, 255]); // 1x2 RGBA
  const mask = [[0, 1]];

  it("keeps background pixels and tints class pixels by the opacity", () => {
    const out = blend(image, mask, 0.5);
    expect(Array.from(out.slice(0, 4))).toEqual([100, 100, 100, 255]);
    const [r, g, b] = classColor(1);
    expect(Array.from(out.slice(4, 7))).toEqual([Math.round(10 * 0.5 + r * 0.5), Math.round(20 * 0.5 + g * 0.5), Math.round(30 * 0.5 + b * 0.5)]);
  });

  it("shows the image alone at opacity 0 and the class colour alone at 1", () => {
    expect(Array.from(blend(image, mask, 0))).toEqual(Array.from(image));
    expect(Array.from(blend(image, mask, 1).slice(4, 7))).toEqual(classColor(1));
  });

  it("gives distinct colours to the first classes and never the background's to a class", () => {
    const seen = new Set([1, 2, 3, 4].map((c) => classColor(c).join()));
    expect(seen.size).toBe(4);
    expect(classColor(9).join()).not.toBe(classColor(0).join());
  });
});
