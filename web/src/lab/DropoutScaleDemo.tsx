// Dropout's 1/(1 − p) scaling, computed by the server (POST /lab/dropout-scale): train vs eval.
import { useEffect, useState } from "react";
import { labApi, type DropoutScale } from "../api/runs";
import { shortNumber } from "./format";

export function DropoutScaleDemo() {
  const [p, setP] = useState("0.5");
  const [n, setN] = useState("10000");
  const [seed, setSeed] = useState(0);
  const [r, setR] = useState<DropoutScale | null>(null);
  const [error, setError] = useState<string | null>(null);
  const compute = (s = seed) =>
    labApi.dropoutScale({ p: Number(p), n: parseInt(n, 10), seed: s }).then((x) => (setR(x), setError(null)), (e: Error) => setError(e.message));
  useEffect(() => void compute(), []); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className="tc-dropout" data-testid="dropout-demo">
      <div className="tc-row">
        <label className="tc-inline-field">p <input type="number" step={0.1} min={0} max={0.99} value={p} onChange={(e) => setP(e.target.value)} data-testid="dropout-p" /></label>
        <label className="tc-inline-field">n <input type="number" min={1} value={n} onChange={(e) => setN(e.target.value)} data-testid="dropout-n" /></label>
        <button className="primary" onClick={() => void compute()} data-testid="dropout-run">Compute</button>
        <button onClick={() => (setSeed(seed + 1), void compute(seed + 1))} data-testid="dropout-reroll" title="Another random mask">New mask</button>
      </div>
      {error && <div className="tc-error-box" data-testid="dropout-error">{error}</div>}
      {r && (
        <div className="tc-dropout-cards">
          <div className="tc-stat" data-testid="dropout-train">
            <span className="muted small">model.train()</span>
            <b>{r.train_output.toLocaleString()}</b>
            <span className="muted small">{r.kept.toLocaleString()} of {r.n.toLocaleString()} units kept, each × {shortNumber(r.scale)}; {(r.relative_difference * 100).toFixed(2)}% from {r.expected.toLocaleString()}</span>
          </div>
          <div className="tc-stat" data-testid="dropout-eval">
            <span className="muted small">model.eval()</span>
            <b>{r.eval_output.toLocaleString()}</b>
            <span className="muted small">dropout is the identity: every unit, no scaling</span>
          </div>
        </div>
      )}
    </div>
  );
}
