// Palette search ranking: pure, tested in rank.test.ts. A search for "conv" must offer Conv2d first
// on an image model, and "add" must offer Add before the padding layers that merely contain "add".

/** What a search can match: the layer's names (type, title) and the text it is filed under. */
export interface Searchable {
  /** The class name (Conv2d) and the title shown; exact and prefix matches on these rank first. */
  names: string[];
  /** The category and similar: a match here ranks after any match on a name. */
  other: string[];
}

/** How well `q` (lower case, trimmed) matches; lower is better, null is no match. */
export function matchTier(q: string, s: Searchable): number | null {
  if (!q) return 0;
  const names = s.names.map((n) => n.toLowerCase());
  if (names.some((n) => n === q)) return 0;
  if (names.some((n) => n.startsWith(q))) return 1;
  // The start of a word inside the name: "norm" finds BatchNorm2d, "pool" finds MaxPool2d.
  if (names.some((n, i) => wordStarts(s.names[i]).some((w) => n.startsWith(q, w)))) return 2;
  if (names.some((n) => n.includes(q))) return 3;
  if (s.other.some((t) => t.toLowerCase().includes(q))) return 4;
  return null;
}

/** Where the words of a CamelCase or snake_case name start: BatchNorm2d -> [0, 5, 9]. */
function wordStarts(name: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name[i], prev = name[i - 1];
    if (i === 0 || prev === "_" || prev === " " || prev === "-" || (/[A-Z]/.test(c) && /[a-z0-9]/.test(prev ?? "")) || (/\d/.test(c) && !/\d/.test(prev ?? "")))
      out.push(i);
  }
  return out;
}

/** A layer's spatial dimensionality from its type: Conv2d -> 2, BatchNorm1d -> 1, Linear -> null. */
export function typeDims(type: string): number | null {
  const m = /([123])d$/i.exec(type);
  return m ? +m[1] : null;
}

/** The spatial dimensionality a tensor's shape suggests: (B, C, H, W) -> 2, (B, C, L) -> 1; null below 3 dims. */
export function shapeDims(shape: readonly (number | string)[] | undefined | null): number | null {
  if (!shape || shape.length < 3) return null;
  return Math.min(shape.length - 2, 3);
}

/**
 * Sort key of one item: the match tier first, then (inside a tier) layers whose dimensionality
 * fits the tensor they would take before those that do not, then shorter names (the plain Conv2d
 * before ConvTranspose2d). `dims` null: no preference.
 */
export function rankKey(q: string, s: Searchable, type: string | null, dims: number | null): [number, number, number] | null {
  const tier = matchTier(q, s);
  if (tier === null) return null;
  const d = type ? typeDims(type) : null;
  const fit = d === null || dims === null ? 1 : d === dims ? 0 : 2;
  const length = Math.min(...s.names.map((n) => n.length));
  return [tier, fit, length];
}

export const compareKeys = (a: readonly number[], b: readonly number[]): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};

/**
 * Items in search order: grouped (a group's place is that of its best item), best first inside a
 * group, so that the first item shown is the one Enter adds. Items that do not match are dropped.
 * Without a query the order is kept.
 */
export function rankItems<T>(items: T[], q: string, dims: number | null, get: (t: T) => { search: Searchable; type: string | null; group: string }): T[] {
  if (!q) return items;
  const keyed = items
    .map((item, i) => ({ item, i, info: get(item), key: rankKey(q, get(item).search, get(item).type, dims) }))
    .filter((k): k is typeof k & { key: [number, number, number] } => k.key !== null)
    .sort((a, b) => compareKeys(a.key, b.key) || a.i - b.i);
  const groups = new Map<string, T[]>();
  for (const k of keyed) groups.set(k.info.group, [...(groups.get(k.info.group) ?? []), k.item]);
  return [...groups.values()].flat();
}
