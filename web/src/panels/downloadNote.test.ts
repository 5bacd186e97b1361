import { describe, expect, it } from "vitest";
import type { DatasetSpec } from "../api/types";
import { downloadNote, formatMb } from "./downloadNote";

const spec = (type: string, extra: Partial<DatasetSpec>): DatasetSpec =>
  ({ type, title: type, category: "", doc: "", torch: "", params: [], ...extra }) as DatasetSpec;
// The uploaded data sets' kinds read an upload by its id: never offered as a one-click alternative.
const UPLOAD = { name: "dataset", type: "int", default: null, nullable: true } as DatasetSpec["params"][number];
const DATASETS: Record<string, DatasetSpec> = {
  CIFAR10: spec("CIFAR10", { offline: false, download_mb: 171, is_image: true, sample_shape: [3, 32, 32] }),
  STL10: spec("STL10", { offline: false, download_mb: 2641, is_image: true, sample_shape: [3, 96, 96] }),
  Digits: spec("Digits", { offline: true, is_image: true, sample_shape: [1, 8, 8] }),
  LFWFaces: spec("LFWFaces", { title: "Faces vs non-faces", offline: true, is_image: true, sample_shape: [3, 32, 32] }),
  Moons: spec("Moons", { offline: true, sample_shape: [2] }),
  ImageFolder: spec("ImageFolder", { offline: true, is_image: true, sample_shape: [3, 32, 32], params: [UPLOAD] }),
  CSVClassification: spec("CSVClassification", { offline: true, sample_shape: [4], params: [UPLOAD] }),
};

describe("downloadNote", () => {
  it("says what a torchvision set downloads, where, and offers the offline image sets, those that fit first", () => {
    const n = downloadNote(DATASETS, { type: "CIFAR10", params: { root: "data", download: true } }, ["B", 3, 32, 32]);
    expect(n?.text).toContain("about 171 MB into data/ on its first run");
    expect(n?.text).toContain("internet");
    expect(n?.offline.map((d) => d.type)).toEqual(["LFWFaces", "Digits"]);
  });
  it("with download off, says the files must be there", () => {
    expect(downloadNote(DATASETS, { type: "STL10", params: { download: false } }, undefined)?.text).toMatch(/2\.6 GB.*download is off/);
  });
  it("says nothing for a set that needs no download", () => {
    expect(downloadNote(DATASETS, { type: "Moons", params: {} }, ["B", 2])).toBeNull();
  });
  it("formats sizes", () => {
    expect(formatMb(12)).toBe("12 MB");
    expect(formatMb(2641)).toBe("2.6 GB");
  });
});
