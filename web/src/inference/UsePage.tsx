// #/use: every finished run you can use (the demos first), and #/use/<id>: one of them.
import { useEffect, useState } from "react";
import { PageHeader } from "../components/PageHeader";
import { useAuth } from "../store/auth";
import { UsePanel } from "./UsePanel";
import type { UsableRun } from "./api";
import { inferenceApi } from "./api";

export default function UsePage({ runId }: { runId: number | null }) {
  return (
    <div className="tc-page" data-testid="use-page">
      <PageHeader title="Use a trained model" />
      <div className="tc-page-body tc-use-page">
        {runId === null ? <RunList /> : (
          <>
            <a href="#/use" className="small">← all usable runs</a>
            <h3>Run #{runId}</h3>
            <UsePanel runId={runId} />
          </>
        )}
      </div>
    </div>
  );
}

function RunList() {
  const [runs, setRuns] = useState<UsableRun[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const admin = useAuth((s) => s.user?.is_admin ?? false);
  const load = () => void inferenceApi.usableRuns().then(setRuns, (e: Error) => setNote(e.message));
  useEffect(load, []);
  const demos = runs?.filter((r) => r.demo).length ?? 0;
  const hasDemos = demos >= 2; // both: else the admin may build the missing one
  return (
    <div>
      <p className="muted">Finished runs of yours and of public models. Open one to draw, upload or pick a test sample, and see the answer, why, and every layer's activations.</p>
      {!hasDemos && admin && (
        <p>
          <button className="primary" data-testid="build-demos"
            onClick={() => void inferenceApi.buildDemos().then((r) => setNote(r.message), (e: Error) => setNote(e.message))}>
            Build the demos
          </button>{" "}
          <span className="muted small">trains a digits and a faces classifier here, on offline data (a minute or two)</span>
        </p>
      )}
      {demos === 0 && runs !== null && !admin && <p className="muted small">No demo models on this server yet: the admin builds them (Use page, or <code>torchcanvas demos build</code>).</p>}
      {note && <p className="small" data-testid="use-note">{note}</p>}
      {runs === null ? <div className="muted">Loading…</div> : runs.length === 0 ? <div className="muted">No finished runs yet: train a model, then come back.</div> : (
        <table className="tc-table" data-testid="usable-runs">
          <thead><tr><th>Run</th><th>Name</th><th>Data</th><th title="the test accuracy; for segmentation the mean IoU">Test accuracy</th><th>By</th></tr></thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid="usable-run">
                <td><a href={`#/use/${r.id}`}>#{r.id}</a></td>
                <td><a href={`#/use/${r.id}`}>{r.name}</a>{r.demo && <span className="tc-chip small">demo</span>}</td>
                <td>{r.dataset}</td>
                <td>
                  {typeof r.final?.test_miou === "number" ? `mIoU ${(r.final.test_miou * 100).toFixed(1)}%`
                    : typeof r.final?.test_acc === "number" ? `${(r.final.test_acc * 100).toFixed(1)}%` : "—"}
                </td>
                <td>{r.owner ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
