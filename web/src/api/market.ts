// Accounts and the model market (issue 8): TS mirror of the contract in
// /api/v1/auth, /market, /comments and /users, and their fetch wrappers.
import { json, post, request, send } from "./client";
import type { ForkSource, Graph, SavedModel } from "./types";

export interface Me {
  id: number;
  username: string;
  email: string | null;
  is_admin: boolean;
  created_at: string;
}
export interface Session {
  user: Me | null;
  csrf_token: string | null;
  signup_open?: boolean;
}
export interface Token {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

export type Task = "classification" | "regression" | "segmentation" | "other";
export const TASKS: Task[] = ["classification", "regression", "segmentation", "other"];
export type Verified = "passed" | "failed" | "pending";
export type MarketSort = "stars" | "forks" | "newest" | "trending";
export const SORTS: MarketSort[] = ["stars", "forks", "newest", "trending"];

export interface MarketCard {
  id: string;
  title: string;
  summary: string;
  tags: string[];
  task: Task | string;
  dataset: string | null;
  params: number;
  flops: number;
  /** An SVG document: shown through an <img> data: URL, never inserted as HTML. */
  thumbnail: string | null;
  owner: string | null;
  star_count: number;
  fork_count: number;
  verified: Verified;
  version: number;
  published_at: string;
  starred: boolean;
}
export interface MarketPage {
  items: MarketCard[];
  count: number;
  page: number;
  page_size: number;
}
export interface PublishedResult {
  run_id: number;
  metric: string;
  value: number;
  dataset: string;
  epochs: number;
  seed: number;
}
export interface PublishedVersion {
  number: number;
  model_version: number;
  title: string;
  notes: string;
  created_at: string;
  verified: Verified;
  verify_error: string | null;
  result: PublishedResult | null;
}
export interface MarketModel extends MarketCard {
  description_html: string;
  description: string;
  graph: Graph;
  versions: PublishedVersion[];
  forked_from: ForkSource | null;
  forks: { id: string; name: string; owner: string | null }[];
  can_edit: boolean;
}
export interface PublishBody {
  title: string;
  description: string;
  tags: string[];
  task: string;
  dataset: string | null;
  notes: string;
  result_run_id: number | null;
  visibility: "public" | "unlisted";
}
export interface Comment {
  id: number;
  author: string | null;
  body: string;
  body_html: string;
  created_at: string;
  updated_at: string;
  can_edit: boolean;
  can_delete: boolean;
}
export interface Profile {
  username: string;
  created_at: string;
  models: MarketCard[];
  starred: MarketCard[];
}

/** The market's filters, as the page holds them (empty string = not set). */
export interface MarketQuery {
  q: string;
  task: string;
  dataset: string;
  minParams: string;
  maxParams: string;
  verified: boolean;
  sort: MarketSort | "";
  page: number;
}
export const EMPTY_QUERY: MarketQuery = { q: "", task: "", dataset: "", minParams: "", maxParams: "", verified: false, sort: "", page: 1 };
export const PAGE_SIZE = 24;

/**
 * A parameter count as typed: "1.2M", "50k", "3e6" or "1,000". Null for anything else, so a
 * half-typed bound is left out of the query rather than sent as NaN.
 */
export function parseCount(text: string): number | null {
  const m = /^\s*([\d.,]+(?:e\d+)?)\s*([kmg]?)\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1].replace(/,/g, ""));
  if (!Number.isFinite(n)) return null;
  const scale = { "": 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
  return Math.round(n * scale);
}

/** The query string of GET /market: only what is set, so the server's defaults apply. */
export function marketSearch(q: MarketQuery, pageSize = PAGE_SIZE): URLSearchParams {
  const out = new URLSearchParams();
  if (q.q.trim()) out.set("q", q.q.trim());
  if (q.task) out.set("task", q.task);
  if (q.dataset.trim()) out.set("dataset", q.dataset.trim());
  const min = parseCount(q.minParams), max = parseCount(q.maxParams);
  if (min !== null) out.set("min_params", String(min));
  if (max !== null) out.set("max_params", String(max));
  if (q.verified) out.set("verified", "true");
  if (q.sort) out.set("sort", q.sort);
  out.set("page", String(Math.max(1, q.page)));
  out.set("page_size", String(pageSize));
  return out;
}

/**
 * The market's filters in its URL (#/market?q=...&page=2), so that Back from a model returns to
 * the same search and a search can be shared. Params as typed ("10k"); only what is set.
 */
export function queryToHash(q: MarketQuery): string {
  const out = new URLSearchParams();
  if (q.q) out.set("q", q.q);
  if (q.task) out.set("task", q.task);
  if (q.dataset) out.set("dataset", q.dataset);
  if (q.minParams) out.set("min_params", q.minParams);
  if (q.maxParams) out.set("max_params", q.maxParams);
  if (q.verified) out.set("verified", "true");
  if (q.sort) out.set("sort", q.sort);
  if (q.page > 1) out.set("page", String(q.page));
  return out.toString();
}

export function queryFromHash(params: URLSearchParams): MarketQuery {
  const sort = params.get("sort") ?? "";
  const page = parseInt(params.get("page") ?? "1", 10);
  return {
    q: params.get("q") ?? "",
    task: params.get("task") ?? "",
    dataset: params.get("dataset") ?? "",
    minParams: params.get("min_params") ?? "",
    maxParams: params.get("max_params") ?? "",
    verified: params.get("verified") === "true",
    sort: (SORTS as string[]).includes(sort) ? (sort as MarketSort) : "",
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

const enc = encodeURIComponent;

export const authApi = {
  me: () => json<Session>("/auth/me"),
  signup: (b: { username: string; password: string; email: string | null }) => json<Session>("/auth/signup", post(b)),
  login: (b: { username: string; password: string }) => json<Session>("/auth/login", post(b)),
  logout: () => request("/auth/logout", post({})),
  password: (b: { current_password: string; new_password: string }) => request("/auth/password", post(b)),
  deleteAccount: (b: { password: string; delete_public_models: boolean }) => request("/auth/me", send("DELETE", b)),
  tokens: () => json<Token[]>("/auth/tokens"),
  createToken: (name: string) => json<Token & { token: string }>("/auth/tokens", post({ name })),
  revokeToken: (id: number) => request(`/auth/tokens/${id}`, send("DELETE")),
};

export const marketApi = {
  search: (q: MarketQuery, signal?: AbortSignal) => json<MarketPage>(`/market?${marketSearch(q)}`, { signal }),
  get: (id: string) => json<MarketModel>(`/market/${enc(id)}`),
  publish: (modelId: string, b: PublishBody) => json<PublishedVersion>(`/models/${enc(modelId)}/publish`, post(b)),
  fork: (id: string) => json<SavedModel>(`/market/${enc(id)}/fork`, post({})),
  star: (id: string, on: boolean) => json<{ starred: boolean; star_count: number }>(`/market/${enc(id)}/star`, send(on ? "PUT" : "DELETE")),
  comments: (id: string) => json<Comment[]>(`/market/${enc(id)}/comments`),
  addComment: (id: string, body: string) => json<Comment>(`/market/${enc(id)}/comments`, post({ body })),
  editComment: (id: number, body: string) => json<Comment>(`/comments/${id}`, send("PATCH", { body })),
  deleteComment: (id: number) => request(`/comments/${id}`, send("DELETE")),
  user: (name: string) => json<Profile>(`/users/${enc(name)}`),
};
