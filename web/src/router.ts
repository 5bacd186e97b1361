// Minimal hash routing: #/ (editor), #/model/<id>, #/models, #/quickstart, #/compare?ids=1,2, #/lab,
// #/market, #/market/<id>, #/u/<name>, #/account, #/use, #/use/<run id>.
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "editor"; modelId: string | null }
  | { page: "models" }
  | { page: "quickstart" }
  | { page: "compare"; ids: number[]; experiment: number | null }
  | { page: "lab" }
  | { page: "market" }
  | { page: "marketModel"; id: string }
  | { page: "profile"; name: string }
  | { page: "account" }
  | { page: "use"; runId: number | null };

export function parseRoute(hash: string): Route {
  const [path, query = ""] = hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  const q = new URLSearchParams(query);
  if (parts[0] === "models") return { page: "models" };
  if (parts[0] === "quickstart") return { page: "quickstart" };
  if (parts[0] === "lab") return { page: "lab" };
  if (parts[0] === "account") return { page: "account" };
  if (parts[0] === "use") {
    const runId = parseInt(parts[1] ?? "", 10);
    return { page: "use", runId: Number.isInteger(runId) && runId > 0 ? runId : null };
  }
  if (parts[0] === "market") return parts[1] ? { page: "marketModel", id: decodeURIComponent(parts[1]) } : { page: "market" };
  if (parts[0] === "u" && parts[1]) return { page: "profile", name: decodeURIComponent(parts[1]) };
  if (parts[0] === "compare") {
    const ids = (q.get("ids") ?? "").split(",").map((x) => parseInt(x, 10)).filter((x) => Number.isInteger(x));
    const exp = parseInt(q.get("experiment") ?? "", 10);
    return { page: "compare", ids, experiment: Number.isInteger(exp) ? exp : null };
  }
  if (parts[0] === "model" && parts[1]) return { page: "editor", modelId: decodeURIComponent(parts[1]) };
  return { page: "editor", modelId: null };
}

// The hash before the latest change: where a cancelled navigation returns (store/persist.openModel).
let current = typeof window === "undefined" ? "" : window.location.hash;
let previous = "";
if (typeof window !== "undefined")
  window.addEventListener("hashchange", () => {
    if (window.location.hash === current) return;
    previous = current;
    current = window.location.hash;
  });

/** The URL's hash before the latest navigation ("" when the page was opened here). */
export const previousHash = (): string => previous;

const subscribe = (cb: () => void) => {
  window.addEventListener("hashchange", cb);
  return () => window.removeEventListener("hashchange", cb);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

export function navigate(hash: string): void {
  if (window.location.hash !== hash) window.location.hash = hash;
}

/** Change the URL without triggering a reload of the route (after the first save). */
export function replaceHash(hash: string): void {
  history.replaceState(null, "", hash);
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}
