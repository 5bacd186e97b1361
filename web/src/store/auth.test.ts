// The session in the client: GET /auth/me sets the CSRF token, which goes with every
// state-changing request (and never with a GET); a 401 opens the sign-in dialog.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, requestHeaders, setCsrfToken } from "../api/client";
import { loadSession, needsSignIn, signOut, useAuth } from "./auth";

interface Call { url: string; init: RequestInit }

function mockFetch(answer: (url: string, init: RequestInit) => { status: number; body?: unknown }): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const { status, body } = answer(url, init);
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  });
  return calls;
}

const ME = { id: 1, username: "alice", email: null, is_admin: false, created_at: "2026-01-01T00:00:00Z" };
const header = (c: Call) => (c.init.headers as Record<string, string>)["X-CSRF-Token"];

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
  useAuth.setState({ user: null, loaded: false, dialog: null, signupOpen: true });
});

describe("CSRF header", () => {
  it("goes with POST, PUT, PATCH and DELETE once signed in, never with GET", () => {
    setCsrfToken("tok");
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "delete"]) expect(requestHeaders({ method })["X-CSRF-Token"]).toBe("tok");
    expect(requestHeaders({})["X-CSRF-Token"]).toBeUndefined();
    expect(requestHeaders({ method: "GET" })["X-CSRF-Token"]).toBeUndefined();
  });

  it("is not sent when anonymous", () => {
    expect(requestHeaders({ method: "POST" })["X-CSRF-Token"]).toBeUndefined();
  });

  it("comes from GET /auth/me, and every call carries the cookie", async () => {
    const calls = mockFetch((url) => (url.endsWith("/auth/me") ? { status: 200, body: { user: ME, csrf_token: "abc", signup_open: false } } : { status: 200, body: { id: "m1", name: "n", graph: {} } }));
    await loadSession();
    expect(useAuth.getState()).toMatchObject({ user: ME, loaded: true, signupOpen: false });
    await api.models.patch("m1", { visibility: "public" });
    await api.models.get("m1");
    const [me, patch, get] = calls;
    expect(header(me)).toBeUndefined();
    expect(header(patch)).toBe("abc");
    expect(header(get)).toBeUndefined();
    for (const c of calls) expect(c.init.credentials).toBe("same-origin");
  });

  it("is dropped on sign-out", async () => {
    mockFetch(() => ({ status: 204 }));
    setCsrfToken("abc");
    useAuth.setState({ user: ME });
    await signOut();
    expect(useAuth.getState().user).toBeNull();
    expect(requestHeaders({ method: "POST" })["X-CSRF-Token"]).toBeUndefined();
  });
});

describe("needsSignIn", () => {
  it("opens the dialog with the server's reason on a 401", () => {
    expect(needsSignIn(new ApiError(401, "sign in to save"))).toBe(true);
    expect(useAuth.getState().dialog).toEqual({ tab: "signup", reason: "sign in to save" });
  });

  it("leaves any other error to the caller", () => {
    expect(needsSignIn(new ApiError(429, "quota: saved models (20 of 20)"))).toBe(false);
    expect(needsSignIn(new Error("network"))).toBe(false);
    expect(useAuth.getState().dialog).toBeNull();
  });
});
