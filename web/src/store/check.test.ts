import { afterEach, describe, expect, it, vi } from "vitest";
import type { CheckResult, NodeResult } from "../api/types";
import { loadDocument } from "./actions";
import { checkStatus, mergeResult, runCheck, startLiveCheck, useCheck } from "./check";

const node = (id: string, out: (number | string)[]): NodeResult => ({
  id, inputs: {}, outputs: { out }, params: 0, flops: 0, inferred: {}, errors: [],
});
const result = (nodes: NodeResult[]): CheckResult => ({
  ok: true, nodes: Object.fromEntries(nodes.map((n) => [n.id, n])), modules: {}, issues: [], total_params: 0, total_flops: 0,
});

afterEach(() => vi.unstubAllGlobals());

describe("mergeResult", () => {
  it("keeps the previous object for a node whose result did not change", () => {
    const a = result([node("x", ["B", 3]), node("fc", ["B", 4])]);
    const b = mergeResult(a, result([node("x", ["B", 3]), node("fc", ["B", 5])]));
    expect(b.nodes.x).toBe(a.nodes.x);
    expect(b.nodes.fc).not.toBe(a.nodes.fc);
  });
});

describe("runCheck", () => {
  it("drops a stale response that arrives after a newer one", async () => {
    const resolvers: ((r: CheckResult) => void)[] = [];
    // The stub ignores abort, as a response already on its way would: only the sequence number can drop it.
    vi.stubGlobal("fetch", () =>
      new Promise((resolve) => resolvers.push((r) => resolve(new Response(JSON.stringify(r), { status: 200 })))),
    );
    const first = runCheck();
    const second = runCheck(); // aborts the first
    resolvers[1](result([node("x", ["B", 2])]));
    resolvers[0](result([node("x", ["B", 1])]));
    await Promise.all([first, second]);
    expect(useCheck.getState().result?.nodes.x.outputs.out).toEqual(["B", 2]);
    expect(useCheck.getState().pending).toBe(false);
  });
});

describe("startLiveCheck", () => {
  it("forgets the last document's shapes when another one is loaded", () => {
    vi.stubGlobal("fetch", () => new Promise(() => {})); // the new document's check never answers here
    useCheck.setState({ result: result([node("y", ["B", 3, 32, 32])]), error: null });
    const stop = startLiveCheck();
    loadDocument({ name: "Other" });
    expect(useCheck.getState().result).toBeNull();
    stop();
  });
});

describe("checkStatus", () => {
  const err = { message: "Conv1d expects a 3-D input", node: "conv1d_1", severity: "error" };
  const unwired = { message: "the output is not connected", node: "y", severity: "error" };
  const warn = { message: "no train.py for this loss", severity: "warning" };
  it("shows ✓ only for a model with no errors and no warnings", () => {
    expect(checkStatus([], 3, false, null)).toMatchObject({ state: "done", level: "ok", text: "✓" });
  });
  it("counts red nodes' errors instead of showing ✓", () => {
    expect(checkStatus([err, err], 3, false, null)).toMatchObject({ state: "done", level: "error", text: "✗ 2" });
    expect(checkStatus([err, err], 3, false, null).title).toMatch(/^2 errors: the model does not build/);
    expect(checkStatus([err, warn], 3, false, null).title).toMatch(/^1 error:/);
  });
  it("an unwired output in a new model (no edges yet) is a hint, not an error", () => {
    expect(checkStatus([unwired], 0, false, null).level).toBe("ok");
    expect(checkStatus([unwired], 2, false, null).level).toBe("error");
  });
  it("shows warnings, pending and failed checks apart", () => {
    expect(checkStatus([warn], 3, false, null)).toMatchObject({ level: "warning", text: "⚠ 1" });
    expect(checkStatus([warn], 3, false, null).title).toMatch(/^1 warning:/);
    expect(checkStatus([], 3, true, null)).toMatchObject({ state: "checking", text: "checking…" });
    expect(checkStatus([], 3, false, "network down")).toMatchObject({ state: "failed", text: "check failed", title: "network down" });
  });
});
