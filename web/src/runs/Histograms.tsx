// Weight histograms per parameter over the logged epochs (GET /runs/{id}/histograms).
import { useCallback, useEffect, useState } from "react";
import { runsApi, type Histogram } from "../api/runs";
import { Ridgeline } from "../charts/Ridgeline";

export function Histograms({ runId, active }: { runId: number; active: boolean }) {
  const [params, setParams] = useState<Record<string, Histogram[]> | null>(null);
  const [param, setParam] = useState<string>("");
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    runsApi.histograms(runId).then(
      (h) => {
        setParams(h.params);
        setError(null);
        setParam((p) => (p && h.params[p] ? p : Object.keys(h.params).find((k) => k.endsWith("weight")) ?? Object.keys(h.params)[0] ?? ""));
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
