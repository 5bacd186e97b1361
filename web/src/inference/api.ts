// The inference studio's API: TS mirror of api/routes/inference.py, and its fetch wrappers.
import { json, post, request } from "../api/client";
import type { BatchRow, TensorData } from "./onnxMath";

export type Method = "integrated_gradients" | "saliency" | "grad_cam";
export const METHOD_NAMES: Record<Method, string> = {
  integrated_gradients: "Integrated Gradients",
  saliency: "Saliency",
  grad_cam: "Grad-CAM",
};

export interface Usage {
  run_id: number;
  usable: boolean;
  why: string | null;
  task: "classification" | "regression" | "segmentation" | null;
  dataset: string | null;
  scoring: string | null;
  input: { image: boolean; channels: number; size: number[]; pad_max: number | null; sample_shape: number[] } | null;
  classes: string[];
  test_samples: number | null;
  layers: { id: string; type: string; conv: boolean }[];
  inputs: string[];
  methods: Method[];
}

export interface InputSeen {
  shape: number[];
  mean: number;
  std: number;
  min: number;
  max: number;
  png: string | null;
}
export interface SegmentationRead {
  classes: { index: number; label: string; pixels: number; share: number; iou: number | null }[];
  /** (H, W) predicted class ids, and the true ones for a test sample. */
  mask: number[][];
  true_mask: number[][] | null;
  pixel_accuracy: number | null;
  mean_iou: number | null;
  confidence: number;
}
export interface Prediction {
  run_id: number;
  task: "classification" | "regression" | "segmentation";
  scoring: "softmax" | "sigmoid" | "score" | "value";
  top: { index: number; label: string; probability: number }[];
  outputs: number[] | null;
  latency_ms: number;
  preprocessing: string[];
  input: InputSeen;
  sample: number | null;
  true_label: { index: number; label: string } | null;
  true_value: number[] | null;
  tensor?: TensorData | null;
  segmentation?: SegmentationRead | null;
}
export interface BatchPrediction {
  run_id: number;
  scoring: string;
  count: number;
  failed: number;
  latency_ms: number;
  rows: BatchRow[];
}
export interface Curve {
  run_id: number;
  x: number[];
  y: number[];
  test_x: number[];
  test_y: number[];
}
export interface Explanation {
  run_id: number;
  target: { index: number; label: string };
  input: InputSeen;
  preprocessing: string[];
  maps: { method: Method; png: string | null; values: number[] | null; note: string }[];
}
export interface Activation {
  run_id: number;
  node: string;
  type: string;
  shape: number[];
  png: string | null;
  columns: number | null;
  channels_shown: number | null;
  values: number[] | null;
  mean: number;
  std: number;
}
export interface UsableRun {
  id: number;
  name: string;
  owner: string | null;
  model_id: string | null;
  dataset: string;
  final: Record<string, number | string | null> | null;
  finished_at: string | null;
  demo: boolean;
}

/** One input: an image file, a test sample, drawn pixels (in the data set's units) or numbers. */
export type Input =
  | { kind: "image"; file: Blob }
  | { kind: "sample"; sample: number }
  | { kind: "pixels"; pixels: number[][]; pixelMax: number }
  | { kind: "x"; x: number[] };

function body(input: Input, extra: Record<string, string | number | string[] | null>): RequestInit {
  if (input.kind === "image") {
    const form = new FormData();
    form.append("image", input.file, "upload");
    for (const [k, v] of Object.entries(extra)) if (v !== null) form.append(k, Array.isArray(v) ? v.join(",") : String(v));
    return { method: "POST", body: form };
  }
  const given =
    input.kind === "sample" ? { sample: input.sample }
    : input.kind === "pixels" ? { pixels: input.pixels, pixel_max: input.pixelMax }
    : { x: input.x };
  const fields = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== null));
  return post({ ...given, ...fields });
}

export const inferenceApi = {
  usage: (runId: number) => json<Usage>(`/runs/${runId}/inference`),
  predict: (runId: number, input: Input, tensor = false) =>
    json<Prediction>(`/runs/${runId}/predict`, body(input, tensor ? { tensor: input.kind === "image" ? "1" : 1 } : {})),
  batch: (runId: number, files: File[]) => {
    const form = new FormData();
    for (const f of files) form.append("images", f, f.name);
    return json<BatchPrediction>(`/runs/${runId}/predict/batch`, { method: "POST", body: form });
  },
  curve: (runId: number) => json<Curve>(`/runs/${runId}/curve`),
  explain: (runId: number, input: Input, methods: Method[], target: number | null) =>
    json<Explanation>(`/runs/${runId}/explain`, body(input, { methods, target })),
  activations: (runId: number, input: Input, node: string) =>
    json<Activation>(`/runs/${runId}/activations`, body(input, { node })),
  usableRuns: () => json<UsableRun[]>("/inference/runs"),
  buildDemos: async () => (await request("/inference/demos", { method: "POST" })).json() as Promise<{ runs: number[]; message: string }>,
};

export const pngUrl = (b64: string) => `data:image/png;base64,${b64}`;
