import { describe, expect, it } from "vitest";
import { batchCsv, compare, decodeTensor, scores, sortByConfidence, topK } from "./onnxMath";

function b64(values: number[]): string {
  const buf = new ArrayBuffer(values.length * 4);
  const view = new DataView(buf);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return btoa(String.fromCharCode(...new Uint8Array(buf)));
}

describe("decodeTensor", () => {
  it("reads little-endian float32 in the given shape", () => {
    const t = decodeTensor({ shape: [1, 3], dtype: "float32", data: b64([1.5, -2, 0.25]) });
    expect(Array.from(t)).toEqual([1.5, -2, 0.25]);
  });
  it("refuses a shape that does not fit the bytes", () => {
    expect(() => decodeTensor({ shape: [2, 3], dtype: "float32", data: b64([1, 2, 3]) })).toThrow(/needs 24/);
  });
});

describe("scores", () => {
  it("softmaxes each crop, then averages (as evaluate.py does)", () => {
    const s = scores([0, Math.log(3), Math.log(3), 0], 2, "softmax");
    expect(s[0]).toBeCloseTo((0.25 + 0.75) / 2, 12);
    expect(s[1]).toBeCloseTo(0.5, 12);
  });
  it("is stable for large logits", () => {
    const s = scores([1000, 0], 1, "softmax");
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBe(0);
  });
  it("applies sigmoid per class, and leaves raw scores alone", () => {
    expect(scores([0, 2], 1, "sigmoid")[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(scores([-3, 4], 1, "score")).toEqual([-3, 4]);
  });
});

describe("topK and compare", () => {
  it("ranks like the server, and measures the difference", () => {
    const t = topK([0.1, 0.6, 0.3], ["a", "b", "c"], 2);
    expect(t.map((x) => x.label)).toEqual(["b", "c"]);
    const c = compare(t, [0.1, 0.59, 0.31]);
    expect(c.sameTop1).toBe(true);
    expect(c.maxDiff).toBeCloseTo(0.01, 9);
    expect(compare(t, [0.1, 0.3, 0.6]).sameTop1).toBe(false);
  });
});

describe("batch", () => {
  const rows = [
    { name: "a.png", top: [{ index: 1, label: "one", probability: 0.5 }], error: null },
    { name: "bad,\"name\".png", top: [], error: "not an image" },
    { name: "=cmd.png", top: [{ index: 2, label: "two", probability: 0.9 }], error: null },
  ];
  it("sorts by confidence with errors last", () => {
    expect(sortByConfidence(rows, true).map((r) => r.name)).toEqual(["=cmd.png", "a.png", 'bad,"name".png']);
    expect(sortByConfidence(rows, false).map((r) => r.name)).toEqual(["a.png", "=cmd.png", 'bad,"name".png']);
  });
  it("writes CSV with quoting and no formulas", () => {
    const csv = batchCsv(rows, 1).split("\r\n");
    expect(csv[0]).toBe("file,class,confidence,error");
    expect(csv[1]).toBe("a.png,one,0.500000,");
    expect(csv[2]).toBe('"bad,""name"".png",,,not an image');
    expect(csv[3]).toBe(`"'=cmd.png",two,0.900000,`);
  });
});
