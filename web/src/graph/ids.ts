// Fresh ids and Python-friendly names.

/** `base` made into a valid node id / port name: letters, digits, underscores; no leading digit. */
export function sanitize(base: string): string {
  let s = base.replace(/[^A-Za-z0-9_]/g, "_");
  if (!/^[A-Za-z_]/.test(s)) s = "_" + s;
  return s.slice(0, 48) || "n";
}

/** A new id from `base` (lower-cased type, e.g. conv2d → conv2d_1) not in `taken`. */
export function freshId(base: string, taken: Set<string>): string {
  const stem = sanitize(base.toLowerCase());
  for (let i = 1; ; i++) {
    const id = `${stem}_${i}`;
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

/** `base` itself if free, else base1, base2, ... */
export function freshName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) {
    taken.add(base);
    return base;
  }
  for (let i = 1; ; i++) {
    if (!taken.has(base + i)) {
      taken.add(base + i);
      return base + i;
    }
  }
}
