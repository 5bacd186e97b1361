// Text <-> value for a param field, following ParamSpec types (catalog/spec.py).
import type { Json, ParamSpec } from "../api/types";

export function toText(v: Json | undefined): string {
  if (v === undefined) return "";
  if (v === null) return "None";
  if (Array.isArray(v)) return v.map((x) => toText(x)).join(", ");
  return String(v);
}

export type Parsed = { ok: true; value: Json | undefined } | { ok: false; error: string };

const num = (s: string, int: boolean): number | null => {
  if (int ? !/^-?\d+$/.test(s) : !/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(s)) return null;
  return Number(s);
};

/** Parse what the user typed. Empty text means "not set" (default, or auto when inferable). */
export function parseParam(p: ParamSpec, raw: string): Parsed {
  const text = raw.trim().replace(/^[([]|[)\]]$/g, "").trim();
  if (text === "") return { ok: true, value: undefined };
  if (p.nullable && /^(none|null)$/i.test(text)) return { ok: true, value: null };
  const bare = text.replace(/^['"]|['"]$/g, "");
  if (p.choices?.includes(bare)) return { ok: true, value: bare };
  const int = p.type === "int" || p.type === "ints" || p.type === "int_list";
  const what = int ? "an integer" : "a number";
  switch (p.type) {
    case "str":
      return { ok: true, value: raw };
    case "int":
    case "float": {
      const v = num(text, int);
      return v === null ? { ok: false, error: `expected ${what}` } : { ok: true, value: v };
    }
    case "ints":
    case "floats":
    case "int_list":
    case "float_list": {
      const parts = text.split(/[,\s]+/).filter(Boolean).map((s) => num(s, int));
      if (parts.some((x) => x === null)) return { ok: false, error: `expected ${what} or a comma-separated list` };
      const list = parts as number[];
      if ((p.type === "ints" || p.type === "floats") && list.length === 1) return { ok: true, value: list[0] };
      if ((p.type === "ints" || p.type === "floats") && p.length && list.length !== p.length)
        return { ok: false, error: `expected 1 or ${p.length} values` };
      return { ok: true, value: list };
    }
    default:
      return { ok: true, value: text };
  }
}
