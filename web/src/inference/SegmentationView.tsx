// A segmentation model's answer: the predicted mask over the image in per-class colours (and the
// true mask beside it for a test sample), an opacity slider, and per class its share of the image
// and its IoU against the truth.
import { useEffect, useRef, useState } from "react";
import type { Prediction } from "./api";
import { pngUrl } from "./api";
import { blend, classCss } from "./overlay";

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);

/** The image's RGBA pixels at the mask's size (the PNG is the tensor the model saw, so they match). */
function useImagePixels(png: string | null, w: number, h: number): Uint8ClampedArray | null {
  const [pixels, setPixels] = useState<Uint8ClampedArray | null>(null);
  useEffect(() => {
    setPixels(null);
    if (!png || !w || !h) return;
    let live = true;
    const img = new Image();
    img.onload = () => {
      const c = document.createElement("canvas");
      c.width = w;
      c.height = h;
      const ctx = c.getContext("2d");
      if (!ctx || !live) return;
      ctx.drawImage(img, 0, 0, w, h);
      setPixels(ctx.getImageData(0, 0, w, h).data);
    };
    img.src = pngUrl(png);
    return () => { live = false; };
  }, [png, w, h]);
  return pixels;
}

function MaskCanvas({ image, mask, opacity, label, testId }: { image: Uint8ClampedArray | null; mask: number[][]; opacity: number; label: string; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const h = mask.length, w = mask[0]?.length ?? 0;
  useEffect(() => {
    const ctx = ref.current?.getContext("2d");
    if (!ctx || !w || !h) return;
    ctx.putImageData(new ImageData(blend(image, mask, opacity), w, h), 0, 0);
  }, [image, mask, opacity, w, h]);
  return (
    <figure className="tc-seg-figure">
      <canvas ref={ref} width={w} height={h} className="tc-pixelated tc-seg-canvas" data-testid={testId} aria-label={label} />
      <figcaption className="small muted">{label}</figcaption>
    </figure>
  );
}

export function SegmentationView({ p }: { p: Prediction }) {
  const s = p.segmentation;
  const [opacity, setOpacity] = useState(0.55);
  const h = s?.mask.length ?? 0, w = s?.mask[0]?.length ?? 0;
  const image = useImagePixels(p.input.png, w, h);
  if (!s) return <div className="muted">The server sent no mask.</div>;
  const shown = s.classes.filter((c) => c.index !== 0 || s.true_mask);
  return (
    <div data-testid="prediction" className="tc-seg">
      <div className="tc-use-answer">
        <span className="tc-use-top">Segmentation</span>
        {s.mean_iou !== null && <span className="small" data-testid="seg-miou">mean IoU <b>{pct(s.mean_iou)}</b></span>}
        {s.pixel_accuracy !== null && <span className="small muted">pixel accuracy {pct(s.pixel_accuracy)}</span>}
      </div>
      <div className="tc-seg-body">
        <div className="tc-seg-figures">
          <MaskCanvas image={image} mask={s.mask} opacity={opacity} label="predicted" testId="seg-predicted" />
          {s.true_mask && <MaskCanvas image={image} mask={s.true_mask} opacity={opacity} label="true mask" testId="seg-true" />}
        </div>
        <div className="tc-seg-side">
          <label className="tc-use-row small">
            Overlay
            <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} data-testid="seg-opacity" aria-label="overlay opacity" />
            <span className="muted">{Math.round(opacity * 100)}%</span>
          </label>
          <table className="tc-seg-classes small" data-testid="seg-classes">
            <thead><tr><th>class</th><th>of image</th><th>IoU</th></tr></thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.index} data-testid="seg-class">
                  <td><span className="tc-seg-swatch" style={{ background: classCss(c.index) }} />{c.label}</td>
                  <td className="num">{pct(c.share)}</td>
                  <td className="num">{pct(c.iou)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div className="muted small">
        {s.true_mask ? "IoU: the pixels both masks give a class over the pixels either gives it. " : "Pick a test sample to compare with its true mask. "}
        Mean confidence {pct(s.confidence)} · <span data-testid="prediction-latency">{p.latency_ms.toFixed(2)} ms</span> forward pass on the server
      </div>
    </div>
  );
}
