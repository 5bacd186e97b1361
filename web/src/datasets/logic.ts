// Pure helpers of the data set views: the CSV header read in the browser, the input shape to
// suggest, and the class-balance bars. Tested in logic.test.ts.
import type { Shape } from "../api/types";
import type { DatasetSummary } from "./api";

/** The column names of a CSV's first line (quoted names may hold commas and doubled quotes). */
export function csvHeader(text: string): string[] {
  const line = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { out.push(cur); cur = ""; }
    else cur += c;
  }
  out.push(cur);
  return line ? out : [];
}

export const shapeText = (dims: number[]): string => dims.join("x");

/** The input shape to offer ("set input to 3x32x32"), or null when the input has it already. */
export function inputSuggestion(input: Shape | undefined, ds: Pick<DatasetSummary, "input_shape">): Shape | null {
  const want: Shape = ["B", ...ds.input_shape];
  if (input && input.length === want.length && input.every((d, k) => d === want[k])) return null;
  return want;
}

export interface Bar { name: string; train: number; test: number; share: number }

/** One bar per class (train and test counts), its length a share of the largest class. */
export function balanceBars(ds: Pick<DatasetSummary, "classes" | "class_counts">, limit = 20): { bars: Bar[]; hidden: number } {
  const train = ds.class_counts.train ?? [];
  const test = ds.class_counts.test ?? [];
  const totals = ds.classes.map((_, k) => (train[k] ?? 0) + (test[k] ?? 0));
  const max = Math.max(1, ...totals);
  const bars = ds.classes.map((name, k) => ({ name, train: train[k] ?? 0, test: test[k] ?? 0, share: totals[k] / max }));
  return { bars: bars.slice(0, limit), hidden: Math.max(0, bars.length - limit) };
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "1,200 samples (960 train / 240 test), 3 classes" */
export function countsText(ds: Pick<DatasetSummary, "num_train" | "num_test" | "classes" | "task" | "kind">): string {
  const n = ds.num_train + ds.num_test;
  const what = ds.kind === "images" ? "images" : "rows";
  const tail = ds.task === "classification" ? `, ${ds.classes.length} classes` : ", regression";
  return `${n.toLocaleString("en")} ${what} (${ds.num_train.toLocaleString("en")} train / ${ds.num_test.toLocaleString("en")} test)${tail}`;
}
