// GET /runs/compare for some runs, polled while any of them is queued or running: the
// comparison fills in live without holding one event stream per run (browsers allow only six
// connections per host).
import { useEffect, useState } from "react";
import { ACTIVE, runsApi, type Comparison } from "../api/runs";

const POLL_MS = 1500;

export const stillActive = (c: Comparison | null) => !!c?.runs.some((r) => ACTIVE.has(r.status));

export function useComparison(ids: number[]): { comparison: Comparison | null; error: string | null } {
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = ids.join(",");
  useEffect(() => {
    if (!key) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const c = await runsApi.compare(key.split(",").map(Number), controller.signal);
        setComparison(c);
        setError(null);
        if (stillActive(c)) timer = setTimeout(() => void poll(), POLL_MS);
      } catch (e) {
        if ((e as Error).name === "AbortError") return;
        setError((e as Error).message);
        timer = setTimeout(() => void poll(), POLL_MS * 2);
      }
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [key]);
  return { comparison, error };
}
