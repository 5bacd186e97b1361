// Progress bar with epoch count and time left.
import { duration, type RunLive } from "../store/runEvents";

export function RunProgress({ run }: { run: RunLive }) {
  const p = run.progress;
  const fraction = p?.fraction ?? 0;
  const text =
    run.status === "queued" ? "waiting for a free slot…"
    : run.status === "running" && !p ? "starting…"
    : p ? `epoch ${p.epoch} / ${p.epochs}${run.status === "running" ? ` · ${p.eta_seconds !== null ? `${duration(p.eta_seconds)} left` : "estimating…"}` : ""}`
    : "";
  return (
    <div className="tc-progress" data-testid="run-progress" data-fraction={fraction.toFixed(3)}>
      <div className="tc-progress-bar"><div className={`s-${run.status}`} style={{ width: `${(fraction * 100).toFixed(1)}%` }} /></div>
      <span className="muted small">{text}</span>
    </div>
  );
}
