// Curves of several runs on one x axis (uPlot wants every series on the same x values).
import type { Num } from "../api/runs";
import { num } from "../store/runEvents";

export type Aligned = [number[], ...(number | null)[][]];

/** x values 'xs[i]' with their y values 'ys[i]', merged on the sorted union of the x values;
 *  a series has null where it has no point. */
export function alignSeries(xs: number[][], ys: (Num | undefined)[][]): Aligned {
  const all = [...new Set(xs.flat())].sort((a, b) => a - b);
  const index = new Map(all.map((x, i) => [x, i]));
  const out: (number | null)[][] = ys.map(() => all.map(() => null));
  ys.forEach((y, s) => xs[s].forEach((x, i) => (out[s][index.get(x)!] = num(y[i]))));
  return [all, ...out];
}

/** One curve (e.g. "train_loss") of each run, by epoch. */
export function alignCurves(runs: { curves: Record<string, Num[]> }[], key: string): Aligned {
  return alignSeries(
    runs.map((r) => (r.curves.epoch ?? []).map(Number)),
    runs.map((r) => r.curves[key] ?? []),
  );
}

export const anyValue = (data: Aligned) => data.slice(1).some((s) => (s as (number | null)[]).some((v) => v !== null));
