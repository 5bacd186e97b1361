// The model's runs: status, final metrics, duration; tick runs to compare them.
import type { RunSummary } from "../api/runs";
import { navigate } from "../router";
import { showRun, toggleTicked } from "../store/runActions";
import { duration, fmtAccuracy, fmtMetric } from "../store/runEvents";
import { useRuns } from "../store/runs";
import { RunStatusBadge } from "./RunStatusBadge";

const seconds = (r: RunSummary) =>
  r.started_at && r.finished_at ? (Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000 : null;

export function RunsList() {
  const list = useRuns((s) => s.list);
  const shown = useRuns((s) => s.shown);
  const ticked = useRuns((s) => s.ticked);
  const live = useRuns((s) => s.live);
  const error = useRuns((s) => s.listError);
  const ids = Object.keys(ticked).map(Number);
  return (
    <div className="tc-runs-list" data-testid="runs-list">
      <div className="tc-runs-list-head">
        <span className="muted small">{list.length} run{list.length === 1 ? "" : "s"}</span>
        <span className="spacer" />
        <button className="small" disabled={ids.length < 1} onClick={() => navigate(`#/compare?ids=${ids.sort((a, b) => a - b).join(",")}`)} data-testid="runs-compare">
          Compare{ids.length ? ` (${ids.length})` : ""}
        </button>
      </div>
      {error && <div className="tc-error-box">{error}</div>}
      {list.length === 0 && !error && <div className="muted small pad">No runs yet. Press Train to start one.</div>}
      {list.map((r) => {
        const status = live[r.id]?.status ?? r.status;
        // A followed run's latest epoch is newer than the list's.
        const rows = live[r.id]?.epochs;
        const f = rows?.length ? rows[rows.length - 1] : r.final;
        return (
          <div key={r.id} className={`tc-run-row${shown === r.id ? " on" : ""}`} data-testid={`run-${r.id}`} onClick={() => void showRun(r.id)}>
            <input type="checkbox" checked={!!ticked[r.id]} onClick={(e) => e.stopPropagation()} onChange={() => toggleTicked(r.id)} data-testid={`run-${r.id}-tick`} title="Select to compare" />
            <div className="tc-run-row-main">
              <div className="tc-run-row-title">
                <b>#{r.id}</b>{" "}
                {r.model_version ? <span className="tc-badge" title={`Trained version ${r.model_version} of the model`} data-testid={`run-${r.id}-version`}>v{r.model_version}</span> : null}{" "}
                <span title={r.name}>{r.label || r.name}</span>
              </div>
              <div className="muted small">
                {f ? `loss ${fmtMetric(f.train_loss)}${f.test_loss !== null && f.test_loss !== undefined ? ` · test ${fmtMetric(f.test_loss)}` : ""}${f.test_miou !== null && f.test_miou !== undefined ? ` · mIoU ${fmtAccuracy(f.test_miou)}` : f.test_acc !== null && f.test_acc !== undefined ? ` · acc ${fmtAccuracy(f.test_acc)}` : ""}` : "no epoch yet"}
                {" · "}{duration(seconds(r))}
              </div>
            </div>
            <RunStatusBadge status={status} />
          </div>
        );
      })}
    </div>
  );
}
