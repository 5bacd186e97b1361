// Initial weights for runs: TS mirror of api/routes/weights.py and runner/weights.py.
import { json, post, request } from "./client";
import type { Graph } from "./types";

export interface WeightsInfo {
  id: string;
  name: string;
  size: number;
  tensors: number;
  params: number;
  created_at: string;
}
export interface Mismatch {
  key: string;
  model: number[];
  file: number[];
}
/** A strict load checked key by key, before a run starts (POST /weights/check). */
export interface KeyReport {
  ok: boolean;
  matched: number;
  missing: string[];
  unexpected: string[];
  mismatched: Mismatch[];
  message: string;
}
/** Where a run's initial weights come from: an upload, or one of your runs' checkpoints. */
export type InitFrom = { weights_id: string } | { run_id: number };

export const weightsApi = {
  list: () => json<WeightsInfo[]>("/weights"),
  /** The file is the request body, streamed (no JSON, no form). */
  upload: (file: File) =>
    json<WeightsInfo>(`/weights?name=${encodeURIComponent(file.name)}`, {
      method: "POST",
      body: file,
      headers: { "Content-Type": "application/octet-stream" },
    }),
  remove: (id: string) => request(`/weights/${id}`, { method: "DELETE" }),
  check: (source: { model_id: string } | { graph: Graph }, initFrom: InitFrom, signal?: AbortSignal) =>
    json<KeyReport>("/weights/check", post({ ...source, init_from: initFrom }, signal)),
};
