// One run in the drawer: status, progress, cancel, downloads, charts and weight histograms.
import { useState } from "react";
import { ACTIVE, runUrl, type RunFailure } from "../api/runs";
import { UsePanel } from "../inference/UsePanel";
import { useCatalog } from "../store/catalog";
import { useDoc } from "../store/doc";
import { openVersion } from "../store/persist";
import { cancelRun } from "../store/runActions";
import { duration } from "../store/runEvents";
import { useRuns } from "../store/runs";
import { Histograms } from "./Histograms";
import { RunCharts } from "./RunCharts";
import { RunProgress } from "./RunProgress";
import { RunStatusBadge } from "./RunStatusBadge";

const DOWNLOADS = [["log", "Log"], ["tensorboard", "TensorBoard"], ["checkpoint", "Checkpoint"], ["files", "Project"]] as const;

export function RunDetail({ id }: { id: number }) {
  const run = useRuns((s) => s.live[id]);
  const summary = useRuns((s) => s.list.find((r) => r.id === id));
  const dataset = (summary?.config?.dataset as { type?: string } | undefined)?.type;
  const classNames = useCatalog((s) => (dataset ? s.catalog?.datasets[dataset]?.class_names : null));
  const [tab, setTab] = useState<"training" | "use">("training");
  // Its initial weights (an upload or an earlier run: runner/weights.py) and frozen layers.
  const initFrom = (summary?.config?.init_from as { name?: string } | undefined)?.name;
  const frozen = ((summary?.config?.freeze as string[] | undefined) ?? []).length;
  if (!run) return <div className="muted pad">Loading run {id}…</div>;
  const active = ACTIVE.has(run.status);
  const usable = run.status === "succeeded"; // the Use tab: a finished run's model answering (inference/)
  return (
    <div className="tc-run-detail" data-testid="run-detail" data-run={id}>
      <div className="tc-run-head">
        <b>#{id} {summary?.label || summary?.name || ""}</b>
        <RunStatusBadge status={run.status} testId="run-status" />
        <RunProgress run={run} />
        {usable && (
          <span className="tc-run-tabs" role="tablist">
            <button role="tab" aria-selected={tab === "training"} className={tab === "training" ? "small active" : "small"} onClick={() => setTab("training")} data-testid="run-tab-training">Training</button>
            <button role="tab" aria-selected={tab === "use"} className={tab === "use" ? "small active" : "small"} onClick={() => setTab("use")} data-testid="run-tab-use">Use</button>
          </span>
        )}
        {!active && run.seconds !== null && <span className="muted small">{duration(run.seconds)}</span>}
        <span className="spacer" />
        {active && <button className="danger" onClick={() => void cancelRun(id)} data-testid="run-cancel">Cancel</button>}
        <span className="tc-downloads">
          {DOWNLOADS.map(([what, label]) => (
            <a key={what} className="button small" href={runUrl(id, what)} download data-testid={`run-download-${what}`} title={`Download the ${label.toLowerCase()}`}>
              ⤓ {label}
            </a>
          ))}
        </span>
      </div>
      {summary && <OlderVersion modelId={summary.model_id} trained={summary.model_version ?? null} />}
      {(initFrom || frozen > 0) && (
        <div className="muted small tc-run-init" data-testid="run-init-from">
          {initFrom ? `Started from ${initFrom}` : "Started from the model's own init"}
          {frozen > 0 ? ` · ${frozen} frozen layer${frozen > 1 ? "s" : ""}` : ""}
        </div>
      )}
      {summary?.failure ? (
        <RunFailureBox id={id} failure={summary.failure} log={run.error} />
      ) : (
        run.error && <div className="tc-error-box" data-testid="run-error">{run.error}</div>
      )}
      {usable && tab === "use" ? (
        <div className="tc-run-scroll"><UsePanel key={id} runId={id} /></div>
      ) : (
        <div className="tc-run-scroll">
          <RunCharts run={run} classNames={classNames} />
          <Histograms runId={id} active={active} />
        </div>
      )}
    </div>
  );
}

/** A run of another version of the open model than the one on the canvas says so, and opens it. */
function OlderVersion({ modelId, trained }: { modelId: string | null; trained: number | null }) {
  const open = useDoc((s) => (s.modelId === modelId ? s.version : null));
  if (!modelId || trained === null || open === null || open === trained) return null;
  return (
    <div className="tc-warn-box" style={{ margin: "6px 12px" }} data-testid="run-version-note">
      This run trained <b>v{trained}</b> of this model; the canvas shows v{open}.{" "}
      <button className="link" onClick={() => void openVersion(modelId, trained)} data-testid="run-open-version">
        Open v{trained}
      </button>
    </div>
  );
}

/** A failed run: the cause and the fix in a line each; the log's tail one click away. */
function RunFailureBox({ id, failure, log }: { id: number; failure: RunFailure; log: string | null }) {
  return (
    <div className="tc-error-box tc-run-failure" data-testid="run-failure" data-kind={failure.kind}>
      <b data-testid="run-failure-cause">{failure.cause}</b>
      <div data-testid="run-failure-fix"><span className="muted">Fix:</span> {failure.fix}</div>
      <details data-testid="run-failure-log">
        <summary>Show the log</summary>
        {log && <pre className="tc-run-log" data-testid="run-error">{log}</pre>}
        <a className="small" href={runUrl(id, "log")} download>⤓ Download the whole log</a>
      </details>
    </div>
  );
}
