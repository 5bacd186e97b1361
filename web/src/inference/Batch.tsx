// Batch: several images or a zip of them, one row per file, sortable by confidence, and the
// table as CSV (in the order shown).
import { useState } from "react";
import { downloadBlob } from "../api/client";
import type { BatchPrediction } from "./api";
import { inferenceApi } from "./api";
import { batchCsv, sortByConfidence } from "./onnxMath";

export function Batch({ runId }: { runId: number }) {
  const [result, setResult] = useState<BatchPrediction | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [descending, setDescending] = useState(true);
  const [over, setOver] = useState(false);

  const send = async (list: FileList | null | undefined) => {
    const files = Array.from(list ?? []);
    if (!files.length) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await inferenceApi.batch(runId, files));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const rows = result ? sortByConfidence(result.rows, descending) : [];
  const k = Math.max(1, ...rows.map((r) => r.top.length));
  const pct = (v: number) => (result?.scoring === "score" ? v.toFixed(3) : `${(v * 100).toFixed(1)}%`);

  return (
    <div className="tc-use-col" data-testid="batch">
      <label className={over ? "tc-use-drop over" : "tc-use-drop"} data-testid="batch-drop"
        onDragOver={(e) => (e.preventDefault(), setOver(true))} onDragLeave={() => setOver(false)}
        onDrop={(e) => (e.preventDefault(), setOver(false), void send(e.dataTransfer.files))}>
        <input type="file" multiple accept="image/*,.zip,application/zip" onChange={(e) => void send(e.target.files)} data-testid="batch-input" />
        <span>Drop or choose several images, or a zip of them</span>
        <span className="muted small">each gets the single-image pipeline; hidden files and folders in a zip are skipped</span>
      </label>
      {busy && <div className="muted small">Predicting…</div>}
      {error && <div className="tc-error-box" data-testid="batch-error">{error}</div>}
      {result && (
        <>
          <div className="tc-use-row small">
            <span data-testid="batch-summary">{result.count} file{result.count === 1 ? "" : "s"}{result.failed ? `, ${result.failed} without a prediction` : ""} · {result.latency_ms.toFixed(1)} ms of forward passes</span>
            <button className="small" onClick={() => downloadBlob(new Blob([batchCsv(rows, k)], { type: "text/csv" }), `run${runId}_predictions.csv`)} data-testid="batch-csv">Download CSV</button>
          </div>
          <div className="tc-use-table-wrap">
            <table className="tc-use-table small" data-testid="batch-table">
              <thead>
                <tr>
                  <th>file</th><th>class</th>
                  <th>
                    <button className="link" onClick={() => setDescending((d) => !d)} data-testid="batch-sort" aria-sort={descending ? "descending" : "ascending"}>
                      confidence {descending ? "▼" : "▲"}
                    </button>
                  </th>
                  <th>next</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={`${r.name}-${i}`} data-testid="batch-row" data-confidence={r.top[0]?.probability ?? ""}>
                    <td title={r.name} className="tc-use-file">{r.name}</td>
                    {r.error ? <td colSpan={3} className="tc-bad">{r.error}</td> : (
                      <>
                        <td><b>{r.top[0]?.label}</b></td>
                        <td>{r.top[0] ? pct(r.top[0].probability) : ""}</td>
                        <td className="muted">{r.top.slice(1).map((t) => `${t.label} ${pct(t.probability)}`).join(", ")}</td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
