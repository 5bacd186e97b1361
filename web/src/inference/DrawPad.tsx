// A pad to draw a digit on: white ink on black, as load_digits' digits are. Shows the 8x8 the
// model will see (downsampled as the data set was; see pad.ts) beside the drawing.
import { useEffect, useRef, useState } from "react";
import { downsample, isBlank } from "./pad";

const SIZE = 224;
const BRUSH = 22;

export function DrawPad({ max, onDrawn }: { max: number; onDrawn: (grid: number[][]) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawing = useRef<{ x: number; y: number } | null>(null);
  const [grid, setGrid] = useState<number[][] | null>(null);

  const clear = () => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, SIZE, SIZE);
    setGrid(null);
  };
  useEffect(clear, []);

  const at = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * SIZE) / r.width, y: ((e.clientY - r.top) * SIZE) / r.height };
  };
  const stroke = (to: { x: number; y: number }) => {
    const ctx = canvas.current?.getContext("2d");
    const from = drawing.current ?? to;
    if (!ctx) return;
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = BRUSH;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    drawing.current = to;
  };
  const finish = () => {
    if (!drawing.current) return;
    drawing.current = null;
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    const g = downsample(ctx.getImageData(0, 0, SIZE, SIZE).data, SIZE, SIZE, 8, max);
    setGrid(g);
    if (!isBlank(g)) onDrawn(g);
  };

  return (
    <div className="tc-pad">
      <canvas
        ref={canvas}
        width={SIZE}
        height={SIZE}
        className="tc-pad-canvas"
        data-testid="draw-pad"
        onPointerDown={(e) => (e.currentTarget.setPointerCapture(e.pointerId), (drawing.current = at(e)), stroke(at(e)))}
        onPointerMove={(e) => drawing.current && stroke(at(e))}
        onPointerUp={finish}
        onPointerLeave={finish}
      />
      <div className="tc-pad-side">
        <div className="muted small">What the model sees (8x8, 0..{max})</div>
        <div className="tc-pad-grid" data-testid="pad-grid">
          {(grid ?? Array.from({ length: 8 }, () => Array(8).fill(0))).flat().map((v, i) => (
            <span key={i} style={{ background: `rgb(${(v / max) * 255},${(v / max) * 255},${(v / max) * 255})` }} title={String(v)} />
          ))}
        </div>
        <button className="small" onClick={clear} data-testid="pad-clear">Clear</button>
      </div>
    </div>
  );
}
