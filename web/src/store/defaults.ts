// The defaults a new document starts with, served once by GET /api/v1/defaults from the pydantic
// models' own defaults (never copied here). main.tsx loads them before it imports the app, so the
// document store, created on import, can build its first document from them.
import type { Defaults, Graph, Shape } from "../api/types";

let served: Defaults | null = null;

export function setDefaults(d: Defaults): void {
  served = d;
}

function defaults(): Defaults {
  if (!served) throw new Error("the defaults are not loaded: main.tsx loads GET /api/v1/defaults before the app");
  return served;
}

/** A fresh copy of the served empty document (name, schema version, training config). */
export const defaultGraph = (): Graph => structuredClone(defaults().graph);

/** A fresh copy of the served new document: input, output, and a dataset and loss that fit them. */
export const newGraph = (): Graph => structuredClone(defaults().new_graph);

/** The shape a new input node takes: that of the new document's input. */
export function newInputShape(): Shape {
  const input = defaults().new_graph.nodes.find((n) => n.kind === "input");
  return input?.kind === "input" ? [...input.shape] : ["B"];
}

/** The values a TrainingConfig field such as `device` takes. */
export const trainingChoices = (field: keyof Graph["training"]): string[] => defaults().training_choices[field] ?? [];

/** The training fields in the Training panel's words, and the choices whose params a path may name. */
export const trainingWords = (): { labels: Record<string, string>; groups: Record<string, string> } => ({
  labels: defaults().training_labels,
  groups: defaults().training_groups,
});
