import { afterEach, describe, expect, it, vi } from "vitest";
import type { CheckResult, NodeResult } from "../api/types";
import { loadDocument } from "./actions";
import { mergeResult, runCheck, startLiveCheck, useCheck } from "./check";

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
