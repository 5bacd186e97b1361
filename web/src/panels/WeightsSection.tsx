// The Training tab's "Initial weights" (an uploaded state_dict or an earlier run's checkpoint,
// with the server's strict key report) and "Frozen layers" (training.freeze).
import { useEffect, useRef, useState } from "react";
import type { KeyReport } from "../api/weights";
import { formatCount } from "../graph/format";
import { topoOrder } from "../graph/topo";
import { setTraining } from "../store/actions";
import { openAuthDialog, useAuth } from "../store/auth";
import { useCheck } from "../store/check";
import { useDoc } from "../store/doc";
import { refreshList } from "../store/runActions";
import { useRuns } from "../store/runs";
import { checkInit, chooseInit, loadWeights, removeWeights, uploadWeights, useWeights } from "../store/weights";

const SHOWN_KEYS = 6;

function KeyList({ title, keys, testId }: { title: string; keys: string[]; testId: string }) {
  if (!keys.length) return null;
  return (
    <div className="tc-keys" data-testid={testId}>
      <b>{keys.length} {title}</b>
      <ul>{keys.slice(0, SHOWN_KEYS).map((k) => <li key={k}><code>{k}</code></li>)}</ul>
      {keys.length > SHOWN_KEYS && <span className="muted small">and {keys.length - SHOWN_KEYS} more</span>}
    </div>
  );
}

function Report({ report }: { report: KeyReport }) {
  if (report.ok) {
    return <div className="tc-ok-box" data-testid="weights-report">✓ All {report.matched} keys match, with the same shapes: the run loads them strictly.</div>;
  }
  const shapes = report.mismatched.map((m) => `${m.key}: (${m.file.join(", ")}) in the file, (${m.model.join(", ")}) in the model`);
  return (
    <div className="tc-error-box" data-testid="weights-report">
      These weights do not fit the model ({report.matched} keys match); a run would not start.
      <KeyList title="missing (in the model, not in the file)" keys={report.missing} testId="weights-missing" />
      <KeyList title="unexpected (in the file, not in the model)" keys={report.unexpected} testId="weights-unexpected" />
      <KeyList title="with another shape" keys={shapes} testId="weights-mismatched" />
      <div className="small">Fix: use weights saved from this model (the same layer names and sizes), or change the model to match them.</div>
    </div>
  );
}

export function InitialWeights() {
  const user = useAuth((s) => s.user);
  const { files, choice, of, report, checking, checkError, uploading, listError } = useWeights();
  const loaded = useDoc((s) => s.loaded);
  const doc = useDoc((s) => s.doc);
  const runs = useRuns((s) => s.list);
  const input = useRef<HTMLInputElement>(null);
  const mine = of === loaded ? choice : null;
  const kind = !mine ? "default" : "weights_id" in mine ? "upload" : "run";
  // Your own finished runs of this model that trained an epoch (each saved a checkpoint).
  const done = runs.filter((r) => r.final !== null && r.status !== "queued" && r.status !== "running" && (!r.owner || r.owner === user?.username));

  useEffect(() => {
    if (user) {
      void loadWeights();
      void refreshList();
    }
  }, [user, loaded]);
  // The report follows the model: re-checked a moment after each edit.
  useEffect(() => {
    if (!mine) return;
    const timer = setTimeout(() => void checkInit(), 400);
    return () => clearTimeout(timer);
  }, [mine, doc]);

  if (!user) {
    return (
      <p className="muted small" data-testid="weights-signin">
        Start from pretrained weights or an earlier run: <button className="link small" onClick={() => openAuthDialog("signin", "Sign in to use initial weights")}>sign in</button>.
      </p>
    );
  }
  const pick = (value: string) => {
    if (value === "default") chooseInit(null);
    else if (value === "upload") chooseInit(files[0] ? { weights_id: files[0].id } : null);
    else chooseInit(done[0] ? { run_id: done[0].id } : null);
  };
  return (
    <div className="tc-weights" data-testid="weights-section">
      <div className="tc-field">
        <label><span className="tc-field-name">start from</span></label>
        <select value={kind} onChange={(e) => pick(e.target.value)} data-testid="weights-kind">
          <option value="default">the model's own init</option>
          <option value="upload" disabled={!files.length}>an uploaded state_dict{files.length ? "" : " (upload one first)"}</option>
          <option value="run" disabled={!done.length}>an earlier run of this model{done.length ? "" : " (none yet)"}</option>
        </select>
      </div>
      {kind === "upload" && mine && "weights_id" in mine && (
        <div className="tc-field">
          <label><span className="tc-field-name">file</span></label>
          <div className="tc-row">
            <select value={mine.weights_id} onChange={(e) => chooseInit({ weights_id: e.target.value })} data-testid="weights-file">
              {files.map((f) => <option key={f.id} value={f.id}>{f.name} · {formatCount(f.params)} params · {(f.size / 1e6).toFixed(1)} MB</option>)}
            </select>
            <button className="link small" title="Delete this file from the server" onClick={() => void removeWeights(mine.weights_id)} data-testid="weights-delete">Delete</button>
          </div>
        </div>
      )}
      {kind === "run" && mine && "run_id" in mine && (
        <div className="tc-field">
          <label><span className="tc-field-name">run</span></label>
          <select value={mine.run_id} onChange={(e) => chooseInit({ run_id: Number(e.target.value) })} data-testid="weights-run">
            {done.map((r) => <option key={r.id} value={r.id}>#{r.id} {r.label || r.name} · {r.status} · epoch {r.final?.epoch}</option>)}
          </select>
        </div>
      )}
      <div className="tc-row">
        <input ref={input} type="file" accept=".pt,.pth,.bin,.ckpt" hidden data-testid="weights-input"
          onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ""; if (f) void uploadWeights(f); }} />
        <button onClick={() => input.current?.click()} disabled={uploading !== null} data-testid="weights-upload">
          {uploading ? `Uploading ${uploading}…` : "Upload .pt / .pth…"}
        </button>
        <span className="muted small">a <code>torch.save(model.state_dict(), path)</code> file</span>
      </div>
      {listError && <div className="tc-field-error">{listError}</div>}
      {mine && checking && !report && <div className="muted small" data-testid="weights-checking">Checking the keys against the model…</div>}
      {mine && report && <Report report={report} />}
      {mine && checkError && <div className="tc-error-box" data-testid="weights-report">{checkError}</div>}
      <p className="muted small">
        Downloaded projects take the same file: <code>python train.py --init-from weights.pt</code>.
      </p>
    </div>
  );
}

/** Nodes of the top-level graph that have weights, in data-flow order. */
function weighted(): { id: string; label: string; params: number }[] {
  const { doc } = useDoc.getState();
  const nodes = useCheck.getState().result?.nodes ?? {};
  return topoOrder(doc)
    .flatMap((n) => {
      const params = nodes[n.id]?.params ?? 0;
      if (params === 0 || (n.kind !== "layer" && n.kind !== "module")) return [];
      return [{ id: n.id, label: `${n.name || n.id} (${n.kind === "layer" ? n.type : n.module})`, params }];
    });
}

export function FrozenLayers() {
  const freeze = useDoc((s) => s.doc.training.freeze) ?? [];
  const nodes = useDoc((s) => s.doc.nodes);
  const result = useCheck((s) => s.result);
  const [lastN, setLastN] = useState(1);
  const layers = weighted();
  const frozen = new Set(freeze);
  const total = result?.total_params ?? 0;
  const frozenParams = result?.frozen_params ?? 0;
  const toggle = (id: string) => setTraining({ freeze: frozen.has(id) ? freeze.filter((x) => x !== id) : [...freeze, id] });
  if (!layers.length && !freeze.length) return <p className="muted small">No layer with weights yet.</p>;
  return (
    <div className="tc-freeze" data-testid="freeze-section">
      <div className="tc-row">
        <span className="small">Freeze all but the last</span>
        <input type="number" min={1} max={layers.length} value={lastN} className="tc-narrow"
          onChange={(e) => setLastN(Math.max(1, parseInt(e.target.value, 10) || 1))} data-testid="freeze-last-n" />
        <button onClick={() => setTraining({ freeze: layers.slice(0, Math.max(0, layers.length - lastN)).map((l) => l.id) })} data-testid="freeze-apply">Apply</button>
        <button className="link small" disabled={!freeze.length} onClick={() => setTraining({ freeze: [] })} data-testid="freeze-none">Unfreeze all</button>
      </div>
      <ul className="tc-freeze-list">
        {freeze.filter((id) => !layers.some((l) => l.id === id)).map((id) => (
          <li key={id}>
            <label title="This id is in training.freeze, but no layer with weights has it: uncheck it">
              <input type="checkbox" checked onChange={() => toggle(id)} data-testid={`freeze-${id}`} />
              <span className="tc-field-error">{id} ({nodes.some((n) => n.id === id) ? "has no weights" : "not in the model"})</span>
            </label>
          </li>
        ))}
        {layers.map((l) => (
          <li key={l.id}>
            <label title={frozen.has(l.id) ? "Frozen: its weights keep their initial values" : "Trains"}>
              <input type="checkbox" checked={frozen.has(l.id)} onChange={() => toggle(l.id)} data-testid={`freeze-${l.id}`} />
              <span>{l.label}</span>
              <span className="muted small num">{formatCount(l.params)}</span>
            </label>
          </li>
        ))}
      </ul>
      <div className="small" data-testid="freeze-summary">
        {formatCount(total - frozenParams)} params trainable · {formatCount(frozenParams)} frozen
        {frozenParams > 0 && <span className="muted"> (BatchNorm layers among them still update their running statistics)</span>}
      </div>
    </div>
  );
}
