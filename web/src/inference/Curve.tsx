// A regression model on one number: its prediction over the data's x range (the line) with the
// test points (dots), and the x last entered (a ring).
import { useEffect, useState } from "react";
import type { Curve as CurveData, Prediction } from "./api";
import { inferenceApi } from "./api";

const W = 420, H = 220, PAD = 34;

export function Curve({ runId, entered }: { runId: number; entered: { x: number; p: Prediction } | null }) {
  const [c, setC] = useState<CurveData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    inferenceApi.curve(runId).then((d) => live && setC(d), (e: Error) => live && setError(e.message));
    return () => { live = false; };
  }, [runId]);
  if (error) return <div className="muted small" data-testid="curve-error">{error}</div>;
  if (!c) return <div className="muted small">Drawing the curve…</div>;
  const ey = entered?.p.outputs?.[0];
  const xs = [...c.x, ...(entered ? [entered.x] : [])];
  const ys = [...c.y, ...c.test_y, ...(ey !== undefined ? [ey] : [])].filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => PAD + ((x - x0) / (x1 - x0 || 1)) * (W - PAD - 8);
  const sy = (y: number) => H - PAD + 8 - ((y - y0) / (y1 - y0 || 1)) * (H - PAD - 8);
  const line = c.x.map((x, i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(c.y[i]).toFixed(1)}`).join("");
  return (
    <figure className="tc-use-curve" data-testid="curve">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="the model's prediction over x, with the test points">
        <line x1={PAD} y1={H - PAD + 8} x2={W - 8} y2={H - PAD + 8} className="axis" />
        <line x1={PAD} y1={8} x2={PAD} y2={H - PAD + 8} className="axis" />
        <text x={PAD} y={H - 8} className="tick">{x0.toPrecision(3)}</text>
        <text x={W - 8} y={H - 8} className="tick" textAnchor="end">{x1.toPrecision(3)}</text>
        <text x={PAD - 4} y={H - PAD + 8} className="tick" textAnchor="end">{y0.toPrecision(3)}</text>
        <text x={PAD - 4} y={14} className="tick" textAnchor="end">{y1.toPrecision(3)}</text>
        {c.test_x.map((x, i) => <circle key={i} cx={sx(x)} cy={sy(c.test_y[i])} r={2.2} className="point" data-testid="curve-point" />)}
        <path d={line} className="line" data-testid="curve-line" />
        {entered && ey !== undefined && <circle cx={sx(entered.x)} cy={sy(ey)} r={5} className="entered" data-testid="curve-entered" />}
      </svg>
      <figcaption className="muted small">
        the model's prediction over the test set's x range (line) and the test points ({c.test_x.length}, dots)
        {entered && ey !== undefined && <> · at x = {entered.x}: <b>{ey.toPrecision(4)}</b></>}
      </figcaption>
    </figure>
  );
}
