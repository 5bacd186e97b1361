// #/compare?ids=1,2[&experiment=3]: runs overlaid, their final metrics and the hyperparameters
// that differ. Fills in live while runs are queued or running. Loaded lazily (uPlot).
import { useEffect, useState } from "react";
import { runsApi } from "../api/runs";
import type { Json } from "../api/types";
import { runColor } from "../charts/palette";
import { CompareCharts, runLabel } from "../runs/CompareCharts";
import { RunStatusBadge } from "../runs/RunStatusBadge";
import { stillActive, useComparison } from "../runs/useComparison";
import { fmtAccuracy, fmtMetric } from "../store/runEvents";

const METRICS: [key: "epoch" | "train_loss" | "test_loss" | "test_acc", label: string][] = [
  ["epoch", "epochs"], ["train_loss", "train loss"], ["test_loss", "test loss"], ["test_acc", "test acc"],
];

const show = (v: Json) => (typeof v === "number" ? fmtMetric(v) : typeof v === "string" ? v : JSON.stringify(v));

/** An experiment's name, once fetched ("" until then, or when it cannot be read). */
function useExperimentName(id: number | null): string {
  const [name, setName] = useState("");
  useEffect(() => {
    setName("");
    if (id !== null) runsApi.getExperiment(id).then((e) => setName(e.name), () => setName(""));
  }, [id]);
  return name;
}

export default function ComparePage({ ids, experiment }: { ids: number[]; experiment: number | null }) {
  const { comparison: c, error } = useComparison(ids);
  const experimentName = useExperimentName(experiment);
  const live = stillActive(c);
  return (
    <div className="tc-page tc-page-wide" data-testid="compare-page" data-live={live}>
      <header className="tc-page-head">
        <a className="tc-logo" href="#/">torch<b>canvas</b></a>
        <h2 data-testid="compare-title">
          {experiment === null ? "Compare runs" : experimentName ? <>Experiment “{experimentName}” <span className="muted">#{experiment}</span></> : `Experiment #${experiment}`}
        </h2>
        {live && <span className="tc-run-status s-running">live</span>}
        <span className="spacer" />
        <a href="#/">Editor</a>
        <a href="#/lab">Regularization lab</a>
        <a href="#/models">My models</a>
      </header>
      {error && <div className="tc-error-box">{error}</div>}
      {!c && !error && <div className="muted pad">Loading…</div>}
      {c && (
        <>
          <div className="tc-legend" data-testid="compare-legend">
            {c.runs.map((r, i) => (
              <span key={r.id} className="tc-legend-item" data-testid={`compare-run-${r.id}`}>
                <i style={{ background: runColor(i) }} />
                {runLabel(r)} <RunStatusBadge status={r.status} />
              </span>
            ))}
          </div>
          <CompareCharts runs={c.runs} />
          <h3>Final metrics</h3>
          <table className="tc-table" data-testid="compare-table">
            <thead>
              <tr><th>run</th><th>status</th>{METRICS.map(([k, label]) => <th key={k} className="num">{label}</th>)}<th className="num">worst batch loss</th></tr>
            </thead>
            <tbody>
              {c.runs.map((r, i) => (
                <tr key={r.id} data-testid={`compare-row-${r.id}`}>
                  <td><i className="tc-dot" style={{ background: runColor(i) }} /> {r.label ? `#${r.id} ${r.label}` : runLabel(r)}</td>
                  <td><RunStatusBadge status={r.status} /></td>
                  {METRICS.map(([k]) => <td key={k} className="num">{(k === "test_acc" ? fmtAccuracy : fmtMetric)(r.final?.[k] ?? null)}</td>)}
                  <td className="num">{fmtMetric(r.max_train_loss)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Hyperparameters that differ</h3>
          {c.differences.length === 0 ? (
            <div className="muted" data-testid="compare-diff">The runs share every hyperparameter.</div>
          ) : (
            <table className="tc-table" data-testid="compare-diff">
              <thead><tr><th>hyperparameter</th>{c.runs.map((r, i) => <th key={r.id}><i className="tc-dot" style={{ background: runColor(i) }} />#{r.id}</th>)}</tr></thead>
              <tbody>
                {c.differences.map((d) => (
                  <tr key={d.key} data-testid={`diff-${d.key}`}><td title={d.key}>{d.label ?? d.key}</td>{d.values.map((v, i) => <td key={i}>{show(v)}</td>)}</tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
