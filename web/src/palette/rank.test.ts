import { describe, expect, it } from "vitest";
import { matchTier, rankItems, shapeDims, typeDims } from "./rank";

// A slice of the catalog in its own order (convolutions before merges; the padding layers are
// filed under "Padding", which contains "add").
const layer = (type: string, group: string) => ({ type, group, search: { names: [type], other: [group] } });
const CATALOG = [
  layer("Conv1d", "Convolution"), layer("Conv2d", "Convolution"), layer("Conv3d", "Convolution"),
  layer("ConvTranspose1d", "Convolution"), layer("ConvTranspose2d", "Convolution"),
  layer("LazyConv2d", "Convolution"),
  layer("BatchNorm1d", "Normalization"), layer("BatchNorm2d", "Normalization"),
  layer("ZeroPad1d", "Padding"), layer("ZeroPad2d", "Padding"), layer("ReflectionPad2d", "Padding"),
  layer("ConstantPad3d", "Padding"),
  layer("Linear", "Linear"), layer("Bilinear", "Linear"),
  layer("Add", "Merge"), layer("Concat", "Merge"),
];
const search = (q: string, dims: number | null = null) => rankItems(CATALOG, q, dims, (e) => e).map((e) => e.type);

describe("palette search ranking", () => {
  it("an exact name match comes first, before the padding layers whose category contains the query", () => {
    const got = search("add");
    expect(got[0]).toBe("Add");
    expect(got).toContain("ZeroPad2d"); // still listed, after
    expect(got.indexOf("Add")).toBeLessThan(got.indexOf("ZeroPad1d"));
  });

  it("with an image (2-D) input, conv offers Conv2d first; with a sequence, Conv1d", () => {
    expect(search("conv", 2)[0]).toBe("Conv2d");
    expect(search("conv", 1)[0]).toBe("Conv1d");
    expect(search("conv", 3)[0]).toBe("Conv3d");
  });

  it("prefix matches rank above matches inside the name", () => {
    const got = search("conv", 2);
    expect(got.indexOf("ConvTranspose2d")).toBeLessThan(got.indexOf("LazyConv2d"));
    expect(search("linear")).toEqual(["Linear", "Bilinear"]);
  });

  it("a word start inside the name ranks above a bare substring", () => {
    expect(matchTier("norm", { names: ["BatchNorm2d"], other: [] })).toBe(2);
    expect(matchTier("orm", { names: ["BatchNorm2d"], other: [] })).toBe(3);
  });

  it("keeps each group together, the group of the best match first, so the first row shown is the one Enter adds", () => {
    const got = rankItems(CATALOG, "2d", 2, (e) => e);
    const groups = got.map((e) => e.group);
    const firstSeen = groups.filter((g, i) => groups.indexOf(g) === i);
    for (const g of firstSeen) {
      const at = groups.map((x, i) => (x === g ? i : -1)).filter((i) => i >= 0);
      expect(at[at.length - 1] - at[0]).toBe(at.length - 1); // contiguous
    }
  });

  it("without a query keeps the catalog's order; what does not match is dropped", () => {
    expect(search("")).toEqual(CATALOG.map((e) => e.type));
    expect(search("lstm")).toEqual([]);
  });

  it("reads dimensionality from types and shapes", () => {
    expect(typeDims("Conv2d")).toBe(2);
    expect(typeDims("Linear")).toBeNull();
    expect(shapeDims(["B", 3, 32, 32])).toBe(2);
    expect(shapeDims(["B", 16, 100])).toBe(1);
    expect(shapeDims(["B", 10])).toBeNull();
  });
});
