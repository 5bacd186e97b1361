// BatchNorm against GroupNorm at small batches, computed by the server (POST /lab/batch-statistics):
// per batch size, how much one image's output moves with its batch partners, and how far its
// training-mode output is from its eval-mode one. Bars are scaled to the largest value.
import { useEffect, useState } from "react";
import { json, post } from "../api/client";

interface Row {
  batch_size: number;
  bn_spread: number;
  bn_train_eval_gap: number;
  gn_spread: number;
  gn_train_eval_gap: number;
  mean_error: number;
}
interface BatchStatistics {
  features: number[];
  groups: number;
  trials: number;
  seed: number;
  rows: Row[];
  fcos_head_norms: string[];
}

const fmt = (v: number) => (v < 1e-4 ? "0" : v.toFixed(3));

function Bar({ v, top, color }: { v: number; top: number; color: string }) {
  return (
    <span className="tc-bs-bar">
      <span style={{ width: `${top > 0 ? (v / top) * 100 : 0}%`, background: color }} />
      <em>{fmt(v)}</em>
    </span>
  );
}

export function BatchStatsDemo() {
  const [seed, setSeed] = useState(0);
  const [r, setR] = useState<BatchStatistics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setBusy(true);
    json<BatchStatistics>("/lab/batch-statistics", post({ batch_sizes: [2, 4, 8, 16, 32], trials: 30, seed })).then(
      (x) => (setR(x), setError(null)),
      (e: Error) => setError(e.message),
    ).finally(() => setBusy(false));
  }, [seed]);
  const top = r ? Math.max(...r.rows.flatMap((x) => [x.bn_spread, x.bn_train_eval_gap])) : 0;
  const heads = r ? [...new Set(r.fcos_head_norms)] : [];
  return (
    <div className="tc-bs" data-testid="batch-stats-demo">
      <div className="tc-row">
        <button onClick={() => setSeed(seed + 1)} disabled={busy} data-testid="batch-stats-reroll" title="Other images, other conv weights, other partners">
          {busy ? "Computing…" : "Compute again with another seed"}
        </button>
        {r && <span className="muted small">feature maps ({r.features.join(", ")}), {r.trials} batches per size, seed {r.seed}; GroupNorm({r.groups}, {r.features[1]})</span>}
      </div>
      {error && <div className="tc-error-box">{error}</div>}
      {r && (
        <table className="tc-table tc-bs-table" data-testid="batch-stats-table">
          <thead>
            <tr><th>batch</th><th>BatchNorm: spread</th><th>BatchNorm: train/eval gap</th><th>GroupNorm: spread</th><th>GroupNorm: train/eval gap</th><th>batch mean error (σ)</th></tr>
          </thead>
          <tbody>
            {r.rows.map((x) => (
              <tr key={x.batch_size} data-testid={`batch-stats-row-${x.batch_size}`}>
                <td><b>{x.batch_size}</b></td>
                <td><Bar v={x.bn_spread} top={top} color="#ea580c" /></td>
                <td><Bar v={x.bn_train_eval_gap} top={top} color="#dc2626" /></td>
                <td><Bar v={x.gn_spread} top={top} color="#16a34a" /></td>
                <td><Bar v={x.gn_train_eval_gap} top={top} color="#16a34a" /></td>
                <td>{fmt(x.mean_error)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r && (
        <p className="muted small" data-testid="batch-stats-fcos">
          torchvision's FCOS heads (64 channels) normalize with: {heads.map((h) => <code key={h}>{h}</code>)} ×{r.fcos_head_norms.length}.
        </p>
      )}
    </div>
  );
}
