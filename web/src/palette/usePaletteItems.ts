import { useMemo } from "react";
import type { LayerSpec } from "../api/types";
import type { PaletteItem } from "../canvas/dnd";
import { useCatalog } from "../store/catalog";
import { useDoc } from "../store/doc";

export interface Entry {
  key: string;
  label: string;
  hint: string;
  group: string;
  item: PaletteItem;
  testId: string;
}

const matches = (q: string, ...texts: string[]) => texts.some((t) => t.toLowerCase().includes(q));

/** Palette entries, grouped by catalog category, filtered by the search text. */
export function usePaletteItems(query: string): Entry[] {
  const layers = useCatalog((s) => s.catalog?.layers);
  const modules = useDoc((s) => s.doc.modules);
  return useMemo(() => {
    const q = query.trim().toLowerCase();
    const out: Entry[] = [];
    const io: Entry[] = [
      { key: "io:input", label: "Input", hint: "a tensor entering the model", group: "Input / Output", item: { kind: "input" }, testId: "palette-Input" },
      { key: "io:output", label: "Output", hint: "a tensor leaving the model", group: "Input / Output", item: { kind: "output" }, testId: "palette-Output" },
    ];
    out.push(...io.filter((e) => !q || matches(q, e.label)));
    for (const m of modules)
      if (!q || matches(q, m.name))
        out.push({ key: `module:${m.name}`, label: m.name, hint: m.description || "module", group: "My modules", item: { kind: "module", module: m.name }, testId: `palette-module-${m.name}` });
    const specs = Object.values(layers ?? {}) as LayerSpec[];
    const byCat = new Map<string, LayerSpec[]>();
    for (const s of specs)
      if (!q || matches(q, s.type, s.title, s.category)) byCat.set(s.category, [...(byCat.get(s.category) ?? []), s]);
    for (const [cat, list] of byCat)
      for (const s of list)
        out.push({ key: `layer:${s.type}`, label: s.title || s.type, hint: s.doc, group: cat, item: { kind: "layer", type: s.type }, testId: `palette-${s.type}` });
    return out;
  }, [layers, modules, query]);
}
