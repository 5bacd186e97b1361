// What a lesson's runs show beside their loss curves: the weights' norm over the epochs, and the
// last epoch's weight histogram as a density. Pure: tested in lessonResults.test.ts.
import type { Histogram } from "../api/runs";

/** The L2 norm of all the weight matrices together (biases left out), per logged epoch:
 *  sqrt of the sum of each weight's squared norm. */
export function weightNormCurve(params: Record<string, Histogram[]>): { epoch: number[]; norm: number[] } {
  const byEpoch = new Map<number, number>();
  for (const [name, rows] of Object.entries(params)) {
    if (!name.endsWith("weight")) continue;
    for (const r of rows) if (typeof r.norm === "number") byEpoch.set(r.epoch, (byEpoch.get(r.epoch) ?? 0) + r.norm ** 2);
  }
  const epoch = [...byEpoch.keys()].sort((a, b) => a - b);
  return { epoch, norm: epoch.map((e) => Math.sqrt(byEpoch.get(e)!)) };
}

/** Each weight parameter's norm at its last logged epoch. */
export function finalNorms(params: Record<string, Histogram[]>): Record<string, number | null> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([name]) => name.endsWith("weight"))
      .map(([name, rows]) => [name, rows[rows.length - 1]?.norm ?? null]),
  );
}

/** A histogram as a density at its bins' centres: bins of different widths (and runs with
 *  different ranges) compare on one chart; the areas are 1. */
export function density(h: Histogram): { x: number[]; y: number[] } {
  const total = h.counts.reduce((a, b) => a + b, 0) || 1;
  return {
    x: h.counts.map((_, i) => (h.edges[i] + h.edges[i + 1]) / 2),
    y: h.counts.map((c, i) => c / total / Math.max(1e-12, h.edges[i + 1] - h.edges[i])),
  };
}

/** The weight parameter with the most values in every run (the least noisy histogram). */
export function largestWeight(params: Record<string, Histogram[]>): string | null {
  let best: [string, number] | null = null;
  for (const [name, rows] of Object.entries(params)) {
    if (!name.endsWith("weight") || !rows.length) continue;
    const n = rows[0].counts.reduce((a, b) => a + b, 0);
    if (!best || n > best[1]) best = [name, n];
  }
  return best?.[0] ?? null;
}
