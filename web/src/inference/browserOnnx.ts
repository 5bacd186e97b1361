// onnxruntime-web (wasm), loaded only when the user asks to run a model in the browser. Its
// JavaScript is a separate chunk (dynamic import) and its .wasm an asset of our own build, served
// from our static folder: nothing is fetched from elsewhere. One thread: the page is not
// cross-origin isolated, so the threaded build's workers are not available.
import wasmUrl from "onnxruntime-web/ort-wasm-simd-threaded.wasm?url";
import { ApiError, request } from "../api/client";
import type { TensorData } from "./onnxMath";
import { decodeTensor } from "./onnxMath";

type Ort = typeof import("onnxruntime-web/wasm");
type Session = import("onnxruntime-web/wasm").InferenceSession;

export interface OnnxReport {
  exporter: string;
  maxAbsDiff: number;
  atol: number;
  rtol: number;
  summary: string;
  bytes: number;
}

export interface Loaded {
  session: Session;
  report: OnnxReport;
  loadMs: number;
}

let ortPromise: Promise<Ort> | null = null;
const sessions = new Map<number, Promise<Loaded>>();

function loadOrt(): Promise<Ort> {
  ortPromise ??= import("onnxruntime-web/wasm").then((ort) => {
    ort.env.wasm.wasmPaths = { wasm: wasmUrl };
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    return ort;
  });
  return ortPromise;
}

export function reportOf(headers: Headers, bytes: number): OnnxReport {
  return {
    exporter: headers.get("X-Onnx-Exporter") ?? "?",
    maxAbsDiff: Number(headers.get("X-Onnx-Max-Abs-Diff") ?? NaN),
    atol: Number(headers.get("X-Onnx-Atol") ?? NaN),
    rtol: Number(headers.get("X-Onnx-Rtol") ?? NaN),
    summary: headers.get("X-Onnx-Verification") ?? "",
    bytes,
  };
}

// A large model's first export can outlast the server's time budget (a ResNet-18 takes about 20 s
// on a busy machine): the server answers 503 and goes on; the file is asked for again until then.
const RETRY_MS = 3000;
const MAX_WAIT_MS = 180_000;

async function fetchOnnx(runId: number, onWait: (s: string) => void): Promise<Response> {
  const t0 = performance.now();
  for (;;) {
    try {
      return await request(`/runs/${runId}/onnx`);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 503 || performance.now() - t0 > MAX_WAIT_MS) throw e;
      onWait(`Exporting the model to ONNX and verifying it (${Math.round((performance.now() - t0) / 1000)} s)…`);
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

/** The run's ONNX file fetched and opened in onnxruntime-web, once per run. */
export function loadRun(runId: number, onWait: (s: string) => void = () => {}): Promise<Loaded> {
  let p = sessions.get(runId);
  if (!p) {
    p = (async () => {
      const t0 = performance.now();
      const [ort, res] = await Promise.all([loadOrt(), fetchOnnx(runId, onWait)]);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
      return { session, report: reportOf(res.headers, bytes.length), loadMs: performance.now() - t0 };
    })();
    p.catch(() => sessions.delete(runId)); // a failure is retried on the next click
    sessions.set(runId, p);
  }
  return p;
}

/** One forward pass on the server's tensor: the first output's values and rows, and the time. */
export async function runTensor(loaded: Loaded, t: TensorData): Promise<{ values: Float32Array; rows: number; ms: number }> {
  const ort = await loadOrt();
  const input = new ort.Tensor("float32", decodeTensor(t), t.shape);
  const t0 = performance.now();
  const out = await loaded.session.run({ [loaded.session.inputNames[0]]: input });
  const ms = performance.now() - t0;
  const first = out[loaded.session.outputNames[0]];
  return { values: first.data as Float32Array, rows: first.dims[0] ?? 1, ms };
}
