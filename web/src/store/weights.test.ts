import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, request } from "../api/client";
import { useDoc } from "./doc";
import { chooseInit, currentInitFrom } from "./weights";

afterEach(() => vi.unstubAllGlobals());

describe("initial weights", () => {
  it("belong to the document they were chosen for", () => {
    useDoc.setState({ loaded: 3 });
    chooseInit({ weights_id: "abc" });
    expect(currentInitFrom()).toEqual({ weights_id: "abc" });
    useDoc.setState({ loaded: 4 }); // another model was opened
    expect(currentInitFrom()).toBeUndefined();
    chooseInit({ run_id: 7 });
    expect(currentInitFrom()).toEqual({ run_id: 7 });
    chooseInit(null);
    expect(currentInitFrom()).toBeUndefined();
  });

  it("a run refused for weights that do not fit shows the report's one-line message", async () => {
    const detail = { message: "mlp.pt does not fit the model: 1 missing (fc2.bias)", report: { ok: false } };
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ detail }), { status: 422 })));
    const error = await request("/runs", { method: "POST", body: "{}" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe("mlp.pt does not fit the model: 1 missing (fc2.bias)");
  });
});
