import type { Json, Shape } from "../api/types";

export const formatShape = (s: Shape | undefined): string => (s ? `(${s.join(", ")})` : "");

export function formatCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2).replace(/\.?0+$/, "") + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(2).replace(/\.?0+$/, "") + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1).replace(/\.0$/, "") + "k";
  return String(n);
}

export function formatValue(v: Json | undefined): string {
  if (v === undefined || v === null) return "None";
  if (Array.isArray(v)) return v.map((x) => formatValue(x)).join(", ");
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return v;
  return String(v);
}
