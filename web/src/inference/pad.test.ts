import { describe, expect, it } from "vitest";
import { downsample, isBlank } from "./pad";

/** A width x height RGBA image, white where ink(x, y). */
function image(width: number, height: number, ink: (x: number, y: number) => boolean): Uint8ClampedArray {
  const px = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink(x, y) ? 255 : 0;
      px.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return px;
}

describe("the digit pad's downsampling", () => {
  it("counts inked pixels per 4x4 block of a 32x32 drawing, as load_digits did", () => {
    // the left half of block (0, 0) inked: 8 of 16 pixels; block (7, 7) fully inked: 16
    const px = image(32, 32, (x, y) => (x < 2 && y < 4) || (x >= 28 && y >= 28));
    const grid = downsample(px, 32, 32);
    expect(grid).toHaveLength(8);
    expect(grid[0]).toHaveLength(8);
    expect(grid[0][0]).toBe(8);
    expect(grid[7][7]).toBe(16);
    expect(grid[3][3]).toBe(0);
  });

  it("scales a larger pad's blocks to 0..16", () => {
    const px = image(256, 256, (x) => x < 128);
    const grid = downsample(px, 256, 256);
    expect(grid.map((r) => r.slice(0, 4))).toEqual(Array(8).fill([16, 16, 16, 16]));
    expect(grid.map((r) => r.slice(4))).toEqual(Array(8).fill([0, 0, 0, 0]));
  });

  it("ignores faint and transparent pixels, and knows a blank pad", () => {
    const faint = new Uint8ClampedArray(64 * 64 * 4).fill(100);
    expect(isBlank(downsample(faint, 64, 64))).toBe(true);
    const transparent = image(64, 64, () => true).map((v, i) => (i % 4 === 3 ? 0 : v));
    expect(isBlank(downsample(transparent, 64, 64))).toBe(true);
    expect(isBlank(downsample(image(64, 64, (x, y) => x === y), 64, 64))).toBe(false);
  });
});
