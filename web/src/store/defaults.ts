// The defaults a new document starts with, served once by GET /api/v1/defaults from the pydantic
// models' own defaults (never copied here). main.tsx loads them before it imports the app, so the
// document store, created on import, can build its first document from them.
import type { Defaults, Graph } from "../api/types";

let served: Defaults | null = null;

export function setDefaults(d: Defaults): void {
  served = d;
}

/** A fresh copy of the served empty document (name, schema version, training config). */
export function defaultGraph(): Graph {
  if (!served) throw new Error("the defaults are not loaded: main.tsx loads GET /api/v1/defaults before the app");
  return structuredClone(served.graph);
}
