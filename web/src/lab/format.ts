// Numbers as a reader wants them: 1 / (1 − 0.9) is 10, not 10.000000000000002.

/** At most `digits` significant digits, trailing zeros dropped: 10.000000000000002 -> "10", 1.25 -> "1.25". */
export function shortNumber(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}
