// Train: a popover with the run's overrides (epochs, lr, batch size). It refuses to start while
// the live check reports errors or training warnings (the training config does not fit the
// model), and shows the server's message when it refuses (422).
import { useState } from "react";
import type { Issue } from "../api/types";
import { ApiError } from "../api/client";
import { DownloadNote } from "../panels/DownloadNote";
import { needsSignIn } from "../store/auth";
import { useCheck } from "../store/check";
import { useDoc } from "../store/doc";
import { saveModel } from "../store/persist";
import { setDrawer, setExperimentDialog, startRun } from "../store/runActions";
import { useRuns } from "../store/runs";
import { initLabel, useWeights } from "../store/weights";

// One empty list for "no result yet": a selector must not return a new array on every call.
const NO_ISSUES: Issue[] = [];

/** An issue as the editor names its node: by its Name, else its id (the top level's nodes). */
function describe(i: Issue): string {
  const node = i.node ? useDoc.getState().doc.nodes.find((n) => n.id === i.node) : undefined;
  const label = node?.name || i.node;
  return `${label ? `${label}: ` : ""}${i.message}${i.fix ? ` (${i.fix})` : ""}`;
}

function Field({ name, value, onChange }: { name: string; value: string; onChange: (v: string) => void }) {
  return (
    <label className="tc-field">
      <span className="tc-field-name">{name}</span>
      <input type="number" step="any" value={value} onChange={(e) => onChange(e.target.value)} data-testid={`train-${name}`} />
    </label>
  );
}

export function TrainButton() {
  const [open, setOpen] = useState(false);
  const t = useDoc((s) => s.doc.training);
  const [form, setForm] = useState({ epochs: "", lr: "", batch_size: "" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const blocking = useCheck((s) => s.result?.issues) ?? NO_ISSUES;
  const drawer = useRuns((s) => s.drawer);
  useWeights((s) => s.choice); // re-render when the initial weights change
  const frozen = t.freeze?.length ?? 0;

  const toggle = () => {
    if (!open) setForm({ epochs: String(t.epochs), lr: String(t.lr), batch_size: String(t.batch_size) });
    setError(null);
    setOpen(!open);
  };
  const start = async () => {
    const epochs = parseInt(form.epochs, 10);
    const lr = parseFloat(form.lr);
    const batch_size = parseInt(form.batch_size, 10);
    if (!(epochs >= 1) || !(lr > 0) || !(batch_size >= 1)) return setError("epochs and batch size are whole numbers ≥ 1, lr a number > 0");
    setBusy(true);
    setError(null);
    try {
      const { modelId, dirty } = useDoc.getState();
      // A saved model runs as saved: save the edits first so the run is of what is on screen.
      if (modelId && dirty) await saveModel();
      await startRun({ epochs, lr, batch_size });
      setOpen(false);
    } catch (e) {
      if (needsSignIn(e)) return setOpen(false);
      setError(e instanceof ApiError && e.issues.length ? e.issues.map(describe).join("\n") : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="tc-menu" data-tour="train">
      <button className="tc-train" onClick={toggle} data-testid="train-button" title="Train this model">▶ Train</button>
      <button onClick={() => setDrawer(!drawer)} className={drawer ? "on" : ""} data-testid="runs-toggle" title="Runs of this model">Runs</button>
      {open && (
        <div className="tc-menu-list tc-popover" data-testid="train-popover">
          <b>Train “{useDoc.getState().doc.name}”</b>
          <span className="muted small">{t.dataset.type} · {t.loss.type} · {t.optimizer.type}. These values apply to this run only.</span>
          <div className="tc-grid3">
            <Field name="epochs" value={form.epochs} onChange={(epochs) => setForm({ ...form, epochs })} />
            <Field name="lr" value={form.lr} onChange={(lr) => setForm({ ...form, lr })} />
            <Field name="batch_size" value={form.batch_size} onChange={(batch_size) => setForm({ ...form, batch_size })} />
          </div>
          {initLabel() && (
            <span className="small" data-testid="train-init-from">
              Starts from <b>{initLabel()}</b> (Training tab → Initial weights){frozen > 0 ? `, ${frozen} layer${frozen > 1 ? "s" : ""} frozen` : ""}.
            </span>
          )}
          <DownloadNote testId="train-download-note" offer={false} />
          {blocking.length > 0 && (
            <div className="tc-error-box" data-testid="train-warnings">
              {blocking.some((i) => i.severity !== "warning") ? "Fix the model first:" : "The training config does not fit the model:"}
              <ul>{blocking.slice(0, 5).map((i, k) => <li key={k}>{describe(i)}</li>)}</ul>
            </div>
          )}
          {error && <div className="tc-error-box" data-testid="train-error">{error}</div>}
          <div className="tc-row">
            <button className="primary" disabled={busy || blocking.length > 0} onClick={() => void start()} data-testid="train-start">
              {busy ? "Starting…" : "Start training"}
            </button>
            <button onClick={() => (setOpen(false), setExperimentDialog(true))} data-testid="train-experiment">Experiment…</button>
            <span className="spacer" />
            <button className="link" onClick={() => setOpen(false)}>Close</button>
          </div>
        </div>
      )}
    </div>
  );
}
