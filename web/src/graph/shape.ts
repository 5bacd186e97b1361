import type { Shape } from "../api/types";

/** Parse "B, 3, 32, 32" into ["B", 3, 32, 32]; null when a dimension is not a size or "B" (the only symbol the server accepts). */
export function parseShape(text: string): Shape | null {
  const parts = text.replace(/[()[\]]/g, "").split(",").map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0 || parts.length > 8) return null;
  const out: Shape = [];
  for (const p of parts) {
    if (p === "B") out.push(p);
    else if (/^\d+$/.test(p) && +p >= 1 && +p <= 1_000_000) out.push(+p);
    else return null;
  }
  return out;
}
