// A detector's answer: its boxes with class and score over the image the model saw, a score
// threshold slider (the detector already dropped scores under its own threshold and applied NMS
// per class; the slider only hides more), and a test sample's true boxes, dashed.
import { useMemo, useState } from "react";
import type { DetectedBox, Prediction } from "./api";
import { pngUrl } from "./api";
import { boxColor, visibleBoxes } from "./detection";

const SIDE = 288; // the drawing's width in CSS pixels; the image is scaled to it, pixelated

export function DetectionView({ p }: { p: Prediction }) {
  const [threshold, setThreshold] = useState(0.3);
  const [truth, setTruth] = useState(true);
  const all = p.detections ?? [];
  const shown = useMemo(() => visibleBoxes(all, threshold), [all, threshold]);
  const [, h, w] = p.input.shape;
  const scale = SIDE / Math.max(w, h);
  return (
    <div data-testid="detection">
      <div className="tc-use-row">
        <label className="small" htmlFor="det-threshold"><b>Score ≥</b></label>
        <input id="det-threshold" type="range" min={0} max={1} step={0.01} value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="det-threshold" />
        <span className="small tc-det-value" data-testid="det-threshold-value">{threshold.toFixed(2)}</span>
        <span className="muted small" data-testid="det-count">{shown.length} of {all.length} boxes</span>
        {p.true_boxes && (
          <label className="small"><input type="checkbox" checked={truth} onChange={(e) => setTruth(e.target.checked)} data-testid="det-truth" /> true boxes</label>
        )}
      </div>
      <div className="tc-det-stage" style={{ width: w * scale, height: h * scale }}>
        {p.input.png && <img className="tc-pixelated" src={pngUrl(p.input.png)} alt="the image the detector saw" width={w * scale} height={h * scale} />}
        <svg width={w * scale} height={h * scale} data-testid="det-boxes">
          {truth && p.true_boxes?.map((b, i) => <Box key={`t${i}`} b={b} scale={scale} truth />)}
          {shown.map((b, i) => <Box key={i} b={b} scale={scale} />)}
        </svg>
      </div>
      <table className="tc-table tc-det-table small" data-testid="det-table">
        <thead><tr><th>class</th><th>score</th><th>box (x1, y1, x2, y2)</th></tr></thead>
        <tbody>
          {shown.map((b, i) => (
            <tr key={i} data-testid="det-row">
              <td><span className="tc-det-swatch" style={{ background: boxColor(b.index) }} />{b.label}</td>
              <td>{b.score?.toFixed(3)}</td>
              <td className="muted">{b.box.map((v) => v.toFixed(1)).join(", ")}</td>
            </tr>
          ))}
          {!shown.length && <tr><td colSpan={3} className="muted">no box scores {threshold.toFixed(2)} or more: lower the threshold</td></tr>}
        </tbody>
      </table>
      <div className="muted small" data-testid="det-postprocess">
        {p.postprocess} · <span data-testid="prediction-latency">{p.latency_ms.toFixed(1)} ms</span> on the server
      </div>
    </div>
  );
}

function Box({ b, scale, truth }: { b: DetectedBox; scale: number; truth?: boolean }) {
  const [x1, y1, x2, y2] = b.box.map((v) => v * scale);
  const color = truth ? "#ffffff" : boxColor(b.index);
  const text = truth ? b.label : `${b.label} ${(b.score ?? 0).toFixed(2)}`;
  return (
    <g data-testid={truth ? "det-true-box" : "det-box"}>
      <rect x={x1} y={y1} width={x2 - x1} height={y2 - y1} fill="none" stroke={color} strokeWidth={2} strokeDasharray={truth ? "5 4" : undefined} />
      {!truth && (
        <>
          <rect x={x1} y={Math.max(0, y1 - 14)} width={text.length * 6 + 6} height={14} fill={color} />
          <text x={x1 + 3} y={Math.max(0, y1 - 14) + 11} fontSize={11} fill="#fff">{text}</text>
        </>
      )}
    </g>
  );
}
