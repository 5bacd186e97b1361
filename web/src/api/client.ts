// Thin fetch wrappers for /api/v1. Errors become ApiError with the server's `detail`.
import type {
  AugmentPair, Issue, Catalog, CheckResult, Choice, Defaults, Graph, Imported, ModelVersion, SavedModel, SavedModelSummary, Template,
  Visibility, ZooModel,
} from "./types";

const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(public status: number, message: string, public issues: Issue[] = []) {
    super(message);
  }
}

/** `detail` is a string, or (validation errors) a list of {loc, message, node}. */
function describe(body: { detail?: unknown; issues?: Issue[] }): { message: string; issues: Issue[] } {
  const d = body.detail;
  if (Array.isArray(d)) {
    const issues = d.map((x: { message?: string; msg?: string; node?: string }) => ({ message: x.message ?? x.msg ?? String(x), node: x.node ?? null }));
    return { message: issues.map((i) => i.message).join("; "), issues };
  }
  // An object detail carries its own one-line message (a run whose initial weights do not fit).
  const message = d && typeof d === "object" && typeof (d as { message?: unknown }).message === "string" ? (d as { message: string }).message : null;
  return { message: typeof d === "string" ? d : message ?? JSON.stringify(d ?? body), issues: body.issues ?? [] };
}

/**
 * The session's CSRF token (from signup, login or GET /auth/me; store/auth.ts sets it). The
 * server refuses a state-changing request authenticated by the cookie without it.
 */
let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null): void => {
  csrfToken = token;
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The headers of a request: JSON, and the CSRF token on every state-changing method. */
export function requestHeaders(init: RequestInit): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (init.body && typeof init.body === "string") headers["Content-Type"] = "application/json";
  if (csrfToken && !SAFE_METHODS.has((init.method ?? "GET").toUpperCase())) headers["X-CSRF-Token"] = csrfToken;
  return { ...headers, ...(init.headers as Record<string, string> | undefined) };
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  // same-origin: the session cookie goes with every call (the app and the API share an origin).
  const res = await fetch(BASE + path, { credentials: "same-origin", ...init, headers: requestHeaders(init) });
  if (!res.ok) {
    let detail = { message: res.statusText, issues: [] as Issue[] };
    try {
      detail = describe(await res.json());
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, detail.message || `HTTP ${res.status}`, detail.issues);
  }
  return res;
}

export const json = async <T>(path: string, init?: RequestInit): Promise<T> => (await request(path, init)).json();
export const post = (body: unknown, signal?: AbortSignal): RequestInit => ({ method: "POST", body: JSON.stringify(body), signal });
export const send = (method: "PUT" | "PATCH" | "DELETE", body?: unknown): RequestInit => ({
  method,
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

export const api = {
  catalog: () => json<Catalog>("/catalog"),
  defaults: () => json<Defaults>("/defaults"),
  check: (g: Graph, signal?: AbortSignal) => json<CheckResult>("/check", post(g, signal)),
  /** `issues`: why a file is missing (train.py when the training config does not fit the model). */
  codegen: (g: Graph, signal?: AbortSignal) => json<{ files: Record<string, string>; issues?: Issue[] }>("/codegen", post(g, signal)),
  /** `includeData`: with the uploaded data set the config reads, in train.py's --data-root folder. */
  codegenZip: async (g: Graph, includeData = false) =>
    (await request(`/codegen?format=zip${includeData ? "&include_data=true" : ""}`, post(g))).blob(),
  /** The .onnx file and its verification (the server ran it in onnxruntime against PyTorch). */
  onnx: async (g: Graph) => {
    const res = await request("/export/onnx", post(g));
    return { blob: await res.blob(), verification: res.headers.get("X-Onnx-Verification") ?? "" };
  },
  templates: () => json<Template[]>("/templates"),
  zoo: () => json<ZooModel[]>("/import/torchvision"),
  importModel: (source: string, signal?: AbortSignal) => json<Imported>("/import", post({ source }, signal)),
  augmentPreview: (body: { dataset: Choice; transforms: Choice[]; n: number; seed: number }, signal?: AbortSignal) =>
    json<{ pairs: AugmentPair[] }>("/augment/preview", post(body, signal)),
  models: {
    list: () => json<SavedModelSummary[] | { items: SavedModelSummary[] }>("/models"),
    get: (id: string) => json<SavedModel>(`/models/${id}`),
    create: (m: { name: string; description: string; graph: Graph; thumbnail?: string | null }) =>
      json<SavedModel>("/models", post(m)),
    update: (id: string, m: { name: string; description: string; graph: Graph; thumbnail?: string | null }) =>
      json<SavedModel>(`/models/${id}`, send("PUT", m)),
    patch: (id: string, m: Partial<{ name: string; description: string; graph: Graph; thumbnail: string | null; visibility: Visibility }>) =>
      json<SavedModel>(`/models/${id}`, send("PATCH", m)),
    remove: (id: string) => request(`/models/${id}`, send("DELETE")),
    duplicate: (id: string) => json<SavedModel>(`/models/${id}/duplicate`, { method: "POST" }),
    versions: (id: string) => json<ModelVersion[] | { items: ModelVersion[] }>(`/models/${id}/versions`),
    version: (id: string, n: number) => json<ModelVersion & { graph: Graph }>(`/models/${id}/versions/${n}`),
    restore: (id: string, n: number) => json<SavedModel>(`/models/${id}/versions/${n}/restore`, { method: "POST" }),
  },
};

/** Lists may come back bare or wrapped in {items}; accept both. */
export function items<T>(x: T[] | { items: T[] }): T[] {
  return Array.isArray(x) ? x : x.items ?? [];
}

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
