// Which elements of the input share one mean and variance, from the server's answer
// (normalized_axes, and GroupNorm's channel groups). Pure: tested in normGroups.test.ts.
import type { Normalization } from "../api/runs";

/** Elements with the same key share their statistics: the key is the element's index on every
 *  axis that is not normalized over, and (GroupNorm) the group of its channel. */
export function statKey(norm: Pick<Normalization, "normalized_axes" | "groups">, index: number[]): string {
  const over = new Set(norm.normalized_axes);
  const key = index.filter((_, axis) => !over.has(axis));
  if (norm.groups) key.push(norm.groups.findIndex((g) => g.includes(index[1])));
  return key.join(",");
}

/** How many values each mean and variance is computed over. */
export function statSize(norm: Pick<Normalization, "normalized_axes" | "groups" | "input_shape">): number {
  let n = norm.normalized_axes.reduce((a, axis) => a * norm.input_shape[axis], 1);
  if (norm.groups && norm.normalized_axes.includes(1)) n = (n / norm.input_shape[1]) * norm.groups[0].length;
  return n;
}

/** Every index of a shape (row-major), each dim capped at `cap` entries for drawing. */
export function indices(shape: number[], cap: number): number[][] {
  let out: number[][] = [[]];
  for (const d of shape) out = out.flatMap((prefix) => Array.from({ length: Math.min(d, cap) }, (_, i) => [...prefix, i]));
  return out;
}

/** "8, 6, 3, 4" -> [8, 6, 3, 4]; null if any entry is not a whole number ≥ 1. */
export function parseShape(text: string): number[] | null {
  const parts = text.split(/[,\s×x]+/).filter(Boolean);
  const dims = parts.map(Number);
  return dims.length && dims.every((d) => Number.isInteger(d) && d >= 1) ? dims : null;
}
