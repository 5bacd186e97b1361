// One run in the drawer: status, progress, cancel, downloads, charts and weight histograms.
import { useState } from "react";
import { ACTIVE, runUrl } from "../api/runs";
import { UsePanel } from "../inference/UsePanel";
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
  const [tab, setTab] = useState<"training" | "use">("training");
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
      {run.error && <div className="tc-error-box" data-testid="run-error">{run.error}</div>}
      {usable && tab === "use" ? (
        <div className="tc-run-scroll"><UsePanel key={id} runId={id} /></div>
      ) : (
        <div className="tc-run-scroll">
          <RunCharts run={run} />
          <Histograms runId={id} active={active} />
        </div>
      )}
    </div>
  );
}
