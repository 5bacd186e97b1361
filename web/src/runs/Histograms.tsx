// Weight histograms per parameter over the logged epochs (GET /runs/{id}/histograms).
import { useCallback, useEffect, useState } from "react";
import { runsApi, type Histogram } from "../api/runs";
import { Ridgeline } from "../charts/Ridgeline";

/** The parameter with the most values: its histograms are the least noisy. */
const largest = (params: Record<string, Histogram[]>) =>
  Object.entries(params).reduce<[string, number]>((best, [name, rows]) => {
    const n = rows[0]?.counts.reduce((a, b) => a + b, 0) ?? 0;
    return n > best[1] ? [name, n] : best;
  }, ["", -1])[0];

export function Histograms({ runId, active }: { runId: number; active: boolean }) {
  const [params, setParams] = useState<Record<string, Histogram[]> | null>(null);
  const [param, setParam] = useState<string>("");
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    runsApi.histograms(runId).then(
      (h) => {
        setParams(h.params);
        setError(null);
        setParam((p) => (p && h.params[p] ? p : largest(h.params)));
      },
      (e: Error) => setError(e.message),
    );
  }, [runId]);
  // Load once the run has written some; reload when it finishes.
  useEffect(load, [load, active]);
  const names = params ? Object.keys(params) : [];
  return (
    <figure className="tc-chart tc-histograms" data-testid="histograms">
      <figcaption>
        Weight histograms
        <span className="spacer" />
        {names.length > 0 && (
          <select value={param} onChange={(e) => setParam(e.target.value)} data-testid="histogram-param">
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        )}
        <button className="link small" onClick={load} data-testid="histogram-refresh" title="Reload">↻</button>
      </figcaption>
      {error && <div className="tc-error-box">{error}</div>}
      {params && names.length === 0 && <div className="muted small pad">No histograms yet: the run logs them every few epochs.</div>}
      {params?.[param] && <Ridgeline rows={params[param]} />}
    </figure>
  );
}
