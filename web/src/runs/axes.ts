// Experiment axes as the dialog edits them, and their conversion to the API's axes.
// Pure: tested in axes.test.ts.
import type { Axis } from "../api/runs";
import type { Graph, Json } from "../api/types";
import { trainingWords } from "../store/defaults";

export type AxisKind = "path" | "node" | "layer" | "toggle";
export interface AxisDraft {
  kind: AxisKind;
  path: string;
  /** kind "node": the node's id. */
  node?: string;
  layerType: string;
  param: string;
  values: string;
}

/** "0, 0.01, 1e-3, true, adam" -> [0, 0.01, 0.001, true, "adam"] */
export function parseValues(text: string): Json[] {
  return text
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => {
      try {
        return JSON.parse(v) as Json;
      } catch {
        return v;
      }
    });
}

export function toAxis(d: AxisDraft): Axis {
  if (d.kind === "toggle") return { toggle: d.layerType };
  if (d.kind === "layer") return { layer_type: d.layerType, param: d.param, values: parseValues(d.values) };
  if (d.kind === "node") return { node: d.node ?? "", param: d.param, values: parseValues(d.values) };
  return { path: d.path, values: parseValues(d.values) };
}

export const choices = (d: AxisDraft) => (d.kind === "toggle" ? 2 : parseValues(d.values).length);
export const variantCount = (axes: AxisDraft[]) => axes.reduce((n, a) => n * choices(a), 1);

/** The layer types used in the graph and its module definitions. */
export function layerTypes(g: Graph): string[] {
  const types = new Set<string>();
  for (const body of [g, ...g.modules]) for (const n of body.nodes) if (n.kind === "layer") types.add(n.type);
  return [...types].sort();
}

/** Layer types to toggle: those in the graph, plus the family of numbered ones (BatchNorm2d -> BatchNorm). */
export function toggleTypes(g: Graph): string[] {
  const types = layerTypes(g);
  const families = types.map((t) => t.match(/^(.*[A-Za-z])[123]d$/)?.[1]).filter((f): f is string => !!f);
  return [...new Set([...families, ...types])].sort();
}

/** Dotted paths of the training config's leaves (training.lr, training.optimizer.params.momentum, ...),
 *  plus the params the chosen optimizer takes (from its catalog spec). */
export function trainingPaths(g: Graph, optimizerParams: string[]): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, prefix: string) => {
    if (v && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, `${prefix}.${k}`);
    else out.add(prefix);
  };
  walk(g.training, "training");
  for (const p of optimizerParams) out.add(`training.optimizer.params.${p}`);
  return [...out].filter((p) => !p.includes("transforms")).sort();
}

/** The model's layers (top level), to vary one param of one of them: id, type and the label the canvas shows. */
export function layerNodes(g: Graph): { id: string; type: string; label: string }[] {
  return g.nodes
    .filter((n): n is Extract<Graph["nodes"][number], { kind: "layer" }> => n.kind === "layer")
    .map((n) => ({ id: n.id, type: n.type, label: `${n.name || n.id} (${n.type})` }));
}

/** "training.optimizer.params.weight_decay" -> "optimizer: weight_decay" (as the comparison's table says it). */
export function trainingLabel(path: string): string {
  // The words are the server's (GET /defaults), so the dialog and the comparison say the same.
  const { labels, groups } = trainingWords();
  if (labels[path]) return labels[path];
  const parts = path.split(".").slice(1);
  if (parts.length >= 3 && groups[parts[0]] && parts[1] === "params") return `${groups[parts[0]]}: ${parts.slice(2).join(".")}`;
  return parts.join(" ").replaceAll("_", " ");
}
