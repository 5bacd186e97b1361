// Before/after images of the augmentation pipeline, from POST /api/v1/augment/preview.
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { AugmentPair } from "../api/types";
import { useDoc } from "../store/doc";

const src = (s: string) => (s.startsWith("data:") ? s : `data:image/png;base64,${s}`);

export function AugmentPreview() {
  const dataset = useDoc((s) => s.doc.training.dataset);
  const transforms = useDoc((s) => s.doc.training.train_transforms);
  const [seed, setSeed] = useState(0);
  const [pairs, setPairs] = useState<AugmentPair[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    const t = setTimeout(() => {
      api
        .augmentPreview({ dataset, transforms, n: 6, seed }, ctl.signal)
        .then((r) => {
          setPairs(r.pairs ?? []);
          setError(null);
        })
        .catch((e: Error) => e.name !== "AbortError" && setError(e.message));
    }, 300);
    return () => (clearTimeout(t), ctl.abort());
  }, [dataset, transforms, seed]);

  return (
    <div className="tc-augment" data-testid="augment-preview">
      <div className="tc-row">
        <b>Preview</b>
        <button onClick={() => setSeed((s) => s + 1)} data-testid="augment-reroll">Re-roll</button>
      </div>
      {error && <div className="muted">Preview unavailable: {error}</div>}
      <div className="tc-augment-grid">
        {pairs.map((p, i) => (
          <figure key={i} data-testid={`augment-pair-${i}`}>
            <div><img src={src(p.before)} alt="before" /><figcaption>before</figcaption></div>
            <div><img src={src(p.after)} alt="after" /><figcaption>after</figcaption></div>
          </figure>
        ))}
      </div>
    </div>
  );
}
