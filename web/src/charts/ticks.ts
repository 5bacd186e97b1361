// Numbers on chart axes and legends. uPlot's default tick labels round to a fixed number of
// decimals, so a learning rate decaying from 1e-3 read "0.001, 0.001, 0": here each set of ticks
// gets the fewest significant digits that tell them apart, and very small or large values are
// written in scientific notation.

const SCIENTIFIC_BELOW = 1e-3;
const SCIENTIFIC_FROM = 1e6;

function trimmed(s: string): string {
  // "1.500e-4" -> "1.5e-4", "2.000" -> "2"
  return s.replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1");
}

const scientific = (a: number) => a !== 0 && (a < SCIENTIFIC_BELOW || a >= SCIENTIFIC_FROM);
const exp = (v: number, digits: number) => trimmed(v.toExponential(Math.max(0, digits - 1))).replace("e+", "e");
const fixed = (v: number, decimals: number) => {
  const s = trimmed(v.toFixed(Math.min(20, Math.max(0, decimals))));
  return s === "-0" ? "0" : s;
};

/** One value with `digits` significant digits, fixed or scientific by its size. */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "-∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (scientific(a)) return exp(v, digits);
  return fixed(v, digits - 1 - Math.floor(Math.log10(a)));
}

/**
 * Tick labels, all written alike: in fixed notation with as many decimals as the step between
 * ticks needs (0.0012, 0.0008, 0.0004, 0), or, when every tick is tiny or huge, in scientific
 * notation with the fewest significant digits that tell them apart. Distinct ticks always get
 * distinct labels.
 */
export function formatTicks(values: (number | null)[]): string[] {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!finite.length) return values.map(() => "");
  const distinct = new Set(finite).size;
  const largest = Math.max(...finite.map(Math.abs));
  const sorted = [...new Set(finite)].sort((x, y) => x - y);
  const steps = sorted.slice(1).map((v, i) => v - sorted[i]);
  const step = steps.length ? Math.min(...steps) : largest || 1;
  const format = scientific(largest)
    ? (digits: number) => (v: number) => (v === 0 ? "0" : exp(v, digits))
    : (extra: number) => (v: number) => fixed(v, Math.ceil(-Math.log10(step) - 1e-9) + extra - 1);
  for (let k = 1; k <= 10; k++) {
    const f = format(k);
    if (new Set(finite.map(f)).size === distinct) return values.map((v) => (v === null ? "" : f(v)));
  }
  return values.map((v) => (v === null ? "" : formatNumber(v, 10)));
}

/** A legend's value: four significant digits, or "–" for a gap. */
export const formatLegend = (v: number | null | undefined, unit = ""): string =>
  v === null || v === undefined ? "–" : `${formatNumber(v, 4)}${unit}`;

/**
 * Accuracy as the charts show it everywhere: a percentage. Runs report a fraction (0..1); a value
 * above 1 is already a percentage.
 */
export const toPercent = (v: number | null): number | null => (v === null ? null : v <= 1 ? v * 100 : v);

/** The index of the last x that has a value in any series: what a legend shows when not hovered. */
export function lastIndex(data: readonly (readonly (number | null | undefined)[])[]): number | null {
  const n = data[0]?.length ?? 0;
  for (let i = n - 1; i >= 0; i--) if (data.slice(1).some((ys) => ys[i] !== null && ys[i] !== undefined)) return i;
  return null;
}
