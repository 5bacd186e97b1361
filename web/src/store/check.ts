// Live check: POST /api/v1/check, debounced, on every semantic edit. A newer edit aborts the
// request in flight, and a sequence number drops any response that is not the latest.
// Results are merged with structural sharing, so a node re-renders only when its own result changes.
import { create } from "zustand";
import { api, ApiError } from "../api/client";
import type { CheckResult, Issue, NodeResult } from "../api/types";
import { useGraphView } from "../canvas/viewContext";
import { useDoc } from "./doc";

interface CheckState {
  result: CheckResult | null;
  pending: boolean;
  error: string | null;
  /** Bumped when a check result arrives (the code panel regenerates on it). */
  okSeq: number;
}

/**
 * The result before the first check comes back. Not null: a selector such as
 * `s.result?.issues ?? []` would then return a new array on every call, which React reads as a
 * store that never settles (error #185, the editor fails to mount). Compare with NO_RESULT to
 * know whether a check has come back yet.
 */
export const NO_RESULT: CheckResult = Object.freeze({ ok: true, nodes: {}, modules: {}, issues: [], total_params: 0, total_flops: 0 });

export const useCheck = create<CheckState>(() => ({ result: NO_RESULT, pending: false, error: null, okSeq: 0 }));

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function share(prev: Record<string, NodeResult> | undefined, next: Record<string, NodeResult>) {
  if (!prev) return next;
  const out: Record<string, NodeResult> = {};
  for (const [id, r] of Object.entries(next)) out[id] = prev[id] && sameJson(prev[id], r) ? prev[id] : r;
  return out;
}

export function mergeResult(prev: CheckResult | null, next: CheckResult): CheckResult {
  const modules: CheckResult["modules"] = {};
  for (const [name, nodes] of Object.entries(next.modules ?? {})) modules[name] = share(prev?.modules?.[name], nodes);
  return { ...next, nodes: share(prev?.nodes, next.nodes ?? {}), modules, issues: next.issues ?? [] };
}

function withIssues(prev: CheckResult | null, issues: Issue[]): CheckResult {
  const nodes: Record<string, NodeResult> = {};
  for (const [id, r] of Object.entries(prev?.nodes ?? {})) nodes[id] = r.errors.length ? { ...r, errors: [] } : r;
  for (const i of issues)
    if (i.node) {
      const r = nodes[i.node] ?? { id: i.node, inputs: {}, outputs: {}, params: 0, flops: 0, inferred: {}, errors: [] };
      nodes[i.node] = { ...r, errors: [...r.errors, i] };
    }
  return { ok: false, nodes, modules: prev?.modules ?? {}, issues, total_params: 0, total_flops: 0 };
}

let timer: ReturnType<typeof setTimeout> | undefined;
let controller: AbortController | null = null;
let seq = 0;

export function scheduleCheck(delay = 150): void {
  clearTimeout(timer);
  timer = setTimeout(runCheck, delay);
}

export async function runCheck(): Promise<void> {
  controller?.abort();
  controller = new AbortController();
  const mine = ++seq;
  useCheck.setState({ pending: true });
  try {
    const result = await api.check(useDoc.getState().doc, controller.signal);
    if (mine !== seq) return;
    useCheck.setState((s) => ({
      result: mergeResult(s.result, result),
      pending: false,
      error: null,
      okSeq: s.okSeq + 1,
    }));
  } catch (e) {
    if (mine !== seq || (e as Error).name === "AbortError") return;
    if (e instanceof ApiError && e.issues.length) {
      // The document did not validate (422): keep the last shapes, show the issues on their nodes.
      useCheck.setState((s) => ({ result: withIssues(s.result, e.issues), pending: false, error: null }));
    } else useCheck.setState({ pending: false, error: (e as Error).message });
  }
}

/** Start checking on every semantic edit (call once). Returns an unsubscribe function. */
export function startLiveCheck(): () => void {
  scheduleCheck(0);
  return useDoc.subscribe((s, prev) => {
    // Another document: the last one's shapes are not this one's, even where node ids match
    // (a refused first check would otherwise leave them on screen).
    if (s.loaded !== prev.loaded) useCheck.setState({ result: null, error: null });
    if (s.rev !== prev.rev) scheduleCheck();
  });
}

/** The result for a node of the open body (model or module definition). */
export function useNodeResult(id: string): NodeResult | undefined {
  const view = useGraphView();
  const path = useDoc((s) => s.path);
  const mine = useCheck((s) => (path === null ? s.result?.nodes[id] : s.result?.modules?.[path]?.[id]));
  // A read-only view (a market model) has its own result.
  return view ? view.result?.nodes[id] : mine;
}

export const isWarning = (i: Issue) => i.severity === "warning";

/**
 * How to show an issue: "warning" (amber: the training config does not fit the model), "hint"
 * (neutral: an output not yet connected in a model with no edges at all, which is where every new
 * model starts, so it is not shown as a red error before the user has built anything) or "error".
 */
export function issueLevel(i: Issue, edgeCount: number): "error" | "warning" | "hint" {
  if (isWarning(i)) return "warning";
  if (edgeCount === 0 && /not connected/i.test(i.message)) return "hint";
  return "error";
}

const NO_ISSUES: Issue[] = [];
/** The check's issues (all severities); a stable array between checks. */
export const useIssues = () => useCheck((s) => s.result?.issues ?? NO_ISSUES);

export interface CheckStatus {
  /** "checking" until the check comes back, then "done" (or "failed" when it could not run). */
  state: "checking" | "done" | "failed";
  level: "ok" | "warning" | "error";
  text: string;
  title: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The side panel's one-glance status. "✓" only when the model has no error and no warning: a
 * check that merely came back is not a model that builds (the red nodes would say otherwise).
 */
export function checkStatus(issues: Issue[], edgeCount: number, pending: boolean, error: string | null): CheckStatus {
  if (error) return { state: "failed", level: "error", text: "check failed", title: error };
  const errors = issues.filter((i) => issueLevel(i, edgeCount) === "error").length;
  const warnings = issues.filter(isWarning).length;
  const state = pending ? "checking" : "done";
  if (pending) return { state, level: errors ? "error" : "ok", text: "checking…", title: "" };
  // Short, to fit beside the tabs at 1280 px; the title says it in words.
  if (errors)
    return { state, level: "error", text: `✗ ${errors}`, title: `${plural(errors, "error")}: the model does not build (the issues are under Params)` };
  if (warnings)
    return { state, level: "warning", text: `⚠ ${warnings}`, title: `${plural(warnings, "warning")}: the training settings do not fit the model (see Training)` };
  return { state, level: "ok", text: "✓", title: "The model builds and its shapes check out" };
}
