import { useMemo } from "react";
import type { LayerSpec, Shape } from "../api/types";
import type { PaletteItem } from "../canvas/dnd";
import { useCatalog } from "../store/catalog";
import { useCheck } from "../store/check";
import { currentBody, useDoc } from "../store/doc";
import { rankItems, shapeDims, type Searchable } from "./rank";

export interface Entry {
  key: string;
  label: string;
  hint: string;
  group: string;
  item: PaletteItem;
  testId: string;
  search: Searchable;
  /** The layer type (Conv2d), for ranking by dimensionality; null for inputs, outputs, modules. */
  type: string | null;
}

/**
 * The shape a newly added layer would most likely take: the selected node's output, else the last
 * layer's, else the input's. Its dimensionality ranks Conv2d above Conv1d on an image model.
 */
function useContextShape(): Shape | null {
  const body = useDoc(currentBody);
  const path = useDoc((s) => s.path);
  const selected = useDoc((s) => s.selected);
  const check = useCheck((s) => s.result);
  return useMemo(() => {
    const results = (path === null ? check?.nodes : check?.modules?.[path]) ?? {};
    const out = (id: string): Shape | null => {
      const n = body.nodes.find((x) => x.id === id);
      if (n?.kind === "input") return n.shape;
      const o = results[id]?.outputs;
      return (o && (o.out ?? Object.values(o)[0])) ?? null;
    };
    const chosen = body.nodes.find((n) => selected[n.id]);
    const layers = body.nodes.filter((n) => n.kind === "layer" || n.kind === "module");
    const input = body.nodes.find((n) => n.kind === "input");
    return (chosen && out(chosen.id)) ?? (layers.length ? out(layers[layers.length - 1].id) : null) ?? (input?.kind === "input" ? input.shape : null);
  }, [body, path, selected, check]);
}

/** Palette entries, grouped by catalog category; with a search text, filtered and ranked (rank.ts). */
export function usePaletteItems(query: string): Entry[] {
  const layers = useCatalog((s) => s.catalog?.layers);
  const modules = useDoc((s) => s.doc.modules);
  const shape = useContextShape();
  const dims = shapeDims(shape);
  return useMemo(() => {
    const q = query.trim().toLowerCase();
    const out: Entry[] = [
      { key: "io:input", label: "Input", hint: "a tensor entering the model", group: "Input / Output", item: { kind: "input" }, testId: "palette-Input", search: { names: ["Input"], other: [] }, type: null },
      { key: "io:output", label: "Output", hint: "a tensor leaving the model", group: "Input / Output", item: { kind: "output" }, testId: "palette-Output", search: { names: ["Output"], other: [] }, type: null },
    ];
    for (const m of modules)
      out.push({ key: `module:${m.name}`, label: m.name, hint: m.description || "module", group: "My modules", item: { kind: "module", module: m.name }, testId: `palette-module-${m.name}`, search: { names: [m.name], other: [] }, type: null });
    const byCat = new Map<string, LayerSpec[]>();
    for (const s of Object.values(layers ?? {}) as LayerSpec[]) byCat.set(s.category, [...(byCat.get(s.category) ?? []), s]);
    for (const [cat, list] of byCat)
      for (const s of list)
        out.push({
          key: `layer:${s.type}`, label: s.title || s.type, hint: s.doc, group: cat, item: { kind: "layer", type: s.type }, testId: `palette-${s.type}`,
          search: { names: [s.type, s.title || s.type], other: [s.category] }, type: s.type,
        });
    return rankItems(out, q, dims, (e) => e);
  }, [layers, modules, query, dims]);
}
