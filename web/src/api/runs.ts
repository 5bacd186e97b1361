// Training runs, experiments and the regularization lab: TS mirror of api/routes/runs.py,
// experiments.py, lab.py and runner/events.py, and their fetch wrappers.
import { json, post } from "./client";
import type { Graph, Json } from "./types";
import type { InitFrom } from "./weights";

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "interrupted";
export const ACTIVE: ReadonlySet<RunStatus> = new Set(["queued", "running"]);

/** A JSON number, or "NaN" / "Infinity" / "-Infinity" for a diverged value (events.py finite_json). */
export type Num = number | string | null;

export interface EpochRow {
  epoch: number;
  train_loss: Num;
  train_loss_max?: Num;
  test_loss?: Num;
  test_acc?: Num;
  /** Segmentation: the mean IoU on the test split (test_acc is then the pixel accuracy). */
  test_miou?: Num;
  lr?: Num;
  seconds?: Num;
}
export interface Fit {
  x: number[];
  y: number[];
  train: number[][];
  test: number[][];
}
export interface ProgressInfo {
  epoch: number;
  epochs: number;
  fraction: number;
  eta_seconds: number | null;
  loss?: Num;
}

interface EventBase {
  run_id: number;
  seq: number;
}
export type RunEvent = EventBase &
  (
    | { type: "queued"; epochs: number; note?: string | null }
    | { type: "started"; pid: number | null; command: string[] }
    | ({ type: "progress"; step: number; steps: number; loss: Num; elapsed_seconds: number } & ProgressInfo)
    | ({ type: "epoch"; epochs: number; elapsed_seconds: number; eta_seconds: number | null } & EpochRow)
    | ({ type: "fit" } & Fit)
    | { type: "confusion"; matrix: number[][] }
    | { type: "finished"; status: RunStatus; exit_code: number | null; error: string | null; seconds: number | null }
  );
export const EVENT_TYPES = ["queued", "started", "progress", "epoch", "fit", "confusion", "finished"] as const;

export type Curves = Record<string, Num[]>;

export interface RunSummary {
  id: number;
  name: string;
  /** The username of whoever started it. */
  owner?: string | null;
  status: RunStatus;
  model_id: string | null;
  /** The number of the model's version it trained (null: a draft's run, or from before versions were recorded). */
  model_version?: number | null;
  experiment_id: number | null;
  label: string;
  variant: Record<string, Json>;
  config: Record<string, Json>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  error: string | null;
  final: (EpochRow & { epochs?: number }) | null;
  /** Why it failed, in one line, and the fix (runner/failure.py); also a run that ended with a NaN loss. */
  failure?: RunFailure | null;
}
export interface RunFailure {
  kind: string;
  cause: string;
  fix: string;
}
export interface RunRead extends RunSummary {
  graph: Graph;
  metrics: {
    epochs: EpochRow[];
    curves: Curves;
    final: EpochRow | null;
    max_train_loss: Num;
    fit: Fit | null;
    confusion: number[][] | null;
    progress: (ProgressInfo & { step: number; steps: number }) | null;
  };
}
export interface ComparedRun {
  id: number;
  name: string;
  label: string;
  status: RunStatus;
  variant: Record<string, Json>;
  final: EpochRow | null;
  max_train_loss: Num;
  curves: Curves;
}
export interface Comparison {
  runs: ComparedRun[];
  /** `label`: the key in the editor's words ("learning rate", "drop1 (Dropout): p"). */
  differences: { key: string; label?: string; values: Json[] }[];
}
export interface Histogram {
  epoch: number;
  edges: number[];
  counts: number[];
  /** The parameter's L2 norm at that epoch (exact). */
  norm?: number | null;
}
export interface Experiment {
  id: number;
  name: string;
  model_id: string | null;
  axes: Json[];
  created_at: string;
  run_ids: number[];
  runs: RunSummary[];
  comparison: Comparison;
}
export type Axis =
  | { path: string; values: Json[] }
  | { layer_type: string; param: string; values: Json[] }
  | { node: string; param: string; values: Json[] }
  | { toggle: string };

export interface Overrides {
  epochs?: number;
  lr?: number;
  batch_size?: number;
  /** Start from these weights (train.py --init-from); the server checks them strictly first. */
  init_from?: InitFrom;
}
/** A run or an experiment starts from a saved model or from a graph (exactly one). */
export type Source = { model_id: string } | { graph: Graph };

export interface Lesson {
  id: string;
  title: string;
  explanation: string;
  experiment: {
    example: string;
    axes: Axis[];
    params: { name: string; path: string; values: Json[]; default: Json }[];
  } | null;
  demo: string | null;
}
export interface DropoutScale {
  p: number;
  n: number;
  seed: number;
  kept: number;
  scale: number;
  train_output: number;
  eval_output: number;
  expected: number;
  relative_difference: number;
}
export interface NormalizationRequest {
  shape: number[];
  /** One of GET /lab/normalization's layers. */
  layer: string;
  normalized_shape?: number[];
  num_groups?: number;
  affine?: boolean;
}
export interface Normalization {
  layer: string;
  code: string;
  input_shape: number[];
  output_shape: number[];
  axis_names: string[];
  normalized_axes: number[];
  statistics: string;
  groups: number[][] | null;
  parameters: { name: string; shape: number[] }[];
  buffers: { name: string; shape: number[] }[];
  running_stats: boolean;
  note: string;
}

export const runUrl = (id: number, what: "log" | "tensorboard" | "checkpoint" | "files") => `/api/v1/runs/${id}/${what}`;
export const eventsUrl = (id: number) => `/api/v1/runs/${id}/events`;

export const runsApi = {
  create: (body: Source & Overrides) => json<RunRead>("/runs", post(body)),
  list: (modelId?: string | null) =>
    json<{ items: RunSummary[]; count: number }>(`/runs?limit=100${modelId ? `&model_id=${encodeURIComponent(modelId)}` : ""}`),
  get: (id: number) => json<RunRead>(`/runs/${id}`),
  cancel: (id: number) => json<RunRead>(`/runs/${id}`, { method: "DELETE" }),
  /** A run of an unsaved draft joins the model the draft was saved as. */
  attach: (id: number, modelId: string) => json<RunRead>(`/runs/${id}`, { method: "PATCH", body: JSON.stringify({ model_id: modelId }) }),
  compare: (ids: number[], signal?: AbortSignal) => json<Comparison>(`/runs/compare?ids=${ids.join(",")}`, { signal }),
  histograms: (id: number) => json<{ run_id: number; params: Record<string, Histogram[]> }>(`/runs/${id}/histograms`),
  experiment: (body: Source & Overrides & { name?: string; axes: Axis[] }) => json<Experiment>("/experiments", post(body)),
  getExperiment: (id: number) => json<Experiment>(`/experiments/${id}`),
};

export const labApi = {
  lessons: () => json<Lesson[]>("/lab/lessons"),
  run: (id: string, body: { params: Record<string, Json> } & Overrides) => json<Experiment>(`/lab/lessons/${id}/run`, post(body)),
  /** Your earlier runs of a lesson's experiment, newest first. */
  past: (id: string) => json<Pick<Experiment, "id" | "name" | "created_at" | "run_ids">[]>(`/lab/lessons/${id}/experiments`),
  dropoutScale: (body: { p: number; n: number; seed: number }) => json<DropoutScale>("/lab/dropout-scale", post(body)),
  normalizationLayers: () => json<{ layers: string[] }>("/lab/normalization"),
  normalization: (body: NormalizationRequest, signal?: AbortSignal) =>
    json<Normalization>("/lab/normalization", post(body, signal)),
};

