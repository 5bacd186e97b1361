// The "Use" tab of a finished run (and the body of #/use/<id>): give the model an input, see its
// answer, why, and what any layer made of it. Which inputs are offered follows what the model
// takes (GET /runs/{id}/inference). A layer clicked on the canvas is inspected at once.
import { useCallback, useEffect, useRef, useState } from "react";
import { useDoc } from "../store/doc";
import { Batch } from "./Batch";
import { BrowserRun } from "./BrowserRun";
import { Curve } from "./Curve";
import { DrawPad } from "./DrawPad";
import { Activations, Maps, Seen } from "./Results";
import { PredictionView } from "./views";
import type { Activation, Explanation, Input, Method, Prediction, Usage } from "./api";
import { METHOD_NAMES, inferenceApi } from "./api";

type Source = "sample" | "upload" | "draw" | "numbers" | "batch";
const SOURCE_NAMES: Record<Source, string> = { sample: "Test sample", upload: "Image", draw: "Draw", numbers: "Numbers", batch: "Batch" };

function sources(u: Usage): Source[] {
  const out: Source[] = [];
  if (u.input?.pad_max) out.push("draw");
  if (u.test_samples) out.push("sample");
  if (u.input?.image) out.push("upload");
  if (u.input && !u.input.image && !u.input.pad_max) out.push("numbers");
  if (u.input?.image && u.task === "classification") out.push("batch");
  return out;
}

export function UsePanel({ runId }: { runId: number }) {
  const [usage, setUsage] = useState<Usage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [source, setSource] = useState<Source | null>(null);
  const [input, setInput] = useState<Input | null>(null);
  const [prediction, setPrediction] = useState<Prediction | null>(null);
  const [explanation, setExplanation] = useState<Explanation | null>(null);
  const [activation, setActivation] = useState<Activation | null>(null);
  const [methods, setMethods] = useState<Method[]>([]);
  const [node, setNode] = useState<string>("");
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setUsage(null);
    inferenceApi.usage(runId).then((u) => {
      if (!live) return;
      setUsage(u);
      setSource(sources(u)[0] ?? null);
      setMethods(u.methods);
      setNode(u.layers.find((l) => l.conv)?.id ?? u.layers[0]?.id ?? "");
    }, (e: Error) => live && setError(e.message));
    return () => { live = false; };
  }, [runId]);

  const act = useCallback(async <T,>(what: string, call: () => Promise<T>, done: (t: T) => void) => {
    setBusy(what);
    setError(null);
    try {
      done(await call());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  }, []);

  const use = (i: Input) => {
    setInput(i);
    setExplanation(null);
    setActivation(null);
    void act("predict", () => inferenceApi.predict(runId, i), setPrediction);
  };

  // A node clicked on the canvas: inspect it when it is one of the run's layers.
  // (a string or null: a selector returning a new array each time would re-render forever)
  const picked = useDoc((s) => {
    const ids = Object.keys(s.selected);
    return ids.length === 1 ? ids[0] : null;
  });
  const lastPicked = useRef<string | null>(null);
  useEffect(() => {
    if (!usage || !picked || picked === lastPicked.current) return;
    lastPicked.current = picked;
    if (usage.layers.some((l) => l.id === picked) || usage.inputs.includes(picked)) setNode(picked);
  }, [picked, usage]);
  useEffect(() => {
    if (input && node && usage?.usable) void act("inspect", () => inferenceApi.activations(runId, input, node), setActivation);
  }, [input, node, runId, usage, act]);

  if (error && !usage) return <div className="tc-error-box pad">{error}</div>;
  if (!usage) return <div className="muted pad">Loading the model…</div>;
  if (!usage.usable) return <div className="muted pad" data-testid="use-unusable">{usage.why}</div>;
  const available = sources(usage);

  return (
    <div className="tc-use" data-testid="use-panel">
      <div className="tc-use-col">
        <div className="tc-use-sources" role="tablist">
          {available.map((s) => (
            <button key={s} role="tab" aria-selected={source === s} className={source === s ? "small active" : "small"} onClick={() => setSource(s)} data-testid={`use-source-${s}`}>
              {SOURCE_NAMES[s]}
            </button>
          ))}
          <span className="muted small">{usage.dataset} · {usage.task}</span>
        </div>
        {source === "draw" && usage.input?.pad_max && (
          <DrawPad max={usage.input.pad_max} onDrawn={(g) => use({ kind: "pixels", pixels: g, pixelMax: usage.input?.pad_max ?? 16 })} />
        )}
        {source === "sample" && <SamplePicker n={usage.test_samples ?? 0} onPick={(i) => use({ kind: "sample", sample: i })} />}
        {source === "upload" && <ImageDrop onImage={(file) => use({ kind: "image", file })} size={usage.input?.size ?? []} />}
        {source === "numbers" && <NumbersEntry shape={usage.input?.sample_shape ?? []} onX={(x) => use({ kind: "x", x })} />}
        {usage.task === "regression" && (usage.input?.sample_shape ?? []).every((d) => d === 1) && (
          // one number in: the model's curve, whatever the input came from (a 1-element tensor's mean is its x)
          <Curve runId={runId} entered={input && prediction ? { x: input.kind === "x" ? input.x[0] : prediction.input.mean, p: prediction } : null} />
        )}
        {error && <div className="tc-error-box" data-testid="use-error">{error}</div>}
        {prediction && source !== "batch" && <Seen input={prediction.input} steps={prediction.preprocessing} />}
      </div>
      {source === "batch" && <div className="tc-use-span"><Batch runId={runId} /></div>}
      {source !== "batch" && <div className="tc-use-col">
        {busy === "predict" && !prediction && <div className="muted">Asking the model…</div>}
        {!prediction && !busy && <div className="muted">Give the model an input on the left.</div>}
        {prediction && <PredictionView p={prediction} />}
        {prediction && prediction.task !== "segmentation" && <BrowserRun runId={runId} usage={usage} input={input} />}
        {prediction && usage.methods.length > 0 && (
          <section className="tc-use-section">
            <div className="tc-use-row">
              <b className="small">Explain</b>
              {usage.methods.map((m) => (
                <label key={m} className="small">
                  <input type="checkbox" checked={methods.includes(m)} onChange={(e) => setMethods((ms) => (e.target.checked ? [...ms, m] : ms.filter((x) => x !== m)))} data-testid={`method-${m}`} />
                  {METHOD_NAMES[m]}
                </label>
              ))}
              <button className="small" disabled={!input || methods.length === 0 || busy !== null} data-testid="explain"
                onClick={() => input && void act("explain", () => inferenceApi.explain(runId, input, methods, null), setExplanation)}>
                {busy === "explain" ? "Explaining…" : "Explain"}
              </button>
            </div>
            {explanation && <Maps e={explanation} />}
          </section>
        )}
        {prediction && (
          <section className="tc-use-section">
            <div className="tc-use-row">
              <b className="small">Inspect</b>
              <select value={node} onChange={(e) => setNode(e.target.value)} data-testid="inspect-node">
                {usage.inputs.map((id) => <option key={id} value={id}>{id} (input)</option>)}
                {usage.layers.map((l) => <option key={l.id} value={l.id}>{l.id} ({l.type})</option>)}
              </select>
              <span className="muted small">or click a layer on the canvas</span>
            </div>
            {activation && activation.node === node && <Activations a={activation} />}
          </section>
        )}
      </div>}
    </div>
  );
}

function SamplePicker({ n, onPick }: { n: number; onPick: (i: number) => void }) {
  const [i, setI] = useState(0);
  const pick = (v: number) => {
    const next = ((v % n) + n) % n;
    setI(next);
    onPick(next);
  };
  return (
    <div className="tc-use-row">
      <span className="small">Sample</span>
      <input type="number" min={0} max={n - 1} value={i} onChange={(e) => setI(Math.max(0, Math.min(n - 1, parseInt(e.target.value, 10) || 0)))} data-testid="sample-index" />
      <span className="muted small">of {n}</span>
      <button className="small" onClick={() => pick(i)} data-testid="sample-go">Predict</button>
      <button className="small" onClick={() => pick(Math.floor(Math.random() * n))} data-testid="sample-random">Random</button>
    </div>
  );
}

function ImageDrop({ onImage, size }: { onImage: (f: Blob) => void; size: number[] }) {
  const [over, setOver] = useState(false);
  const first = (files: FileList | null | undefined) => {
    const f = files?.[0];
    if (f) onImage(f);
  };
  useEffect(() => {
    const paste = (e: ClipboardEvent) => {
      const item = Array.from(e.clipboardData?.items ?? []).find((x) => x.type.startsWith("image/"));
      const f = item?.getAsFile();
      if (f) onImage(f);
    };
    window.addEventListener("paste", paste);
    return () => window.removeEventListener("paste", paste);
  }, [onImage]);
  return (
    <label
      className={over ? "tc-use-drop over" : "tc-use-drop"}
      onDragOver={(e) => (e.preventDefault(), setOver(true))}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => (e.preventDefault(), setOver(false), first(e.dataTransfer.files))}
      data-testid="image-drop"
    >
      <input type="file" accept="image/*" onChange={(e) => first(e.target.files)} data-testid="image-input" />
      <span>Drop, paste or choose an image</span>
      <span className="muted small">it is brought to the data set's {size.join("×")} and colour, then through the run's test transforms</span>
    </label>
  );
}

function NumbersEntry({ shape, onX }: { shape: number[]; onX: (x: number[]) => void }) {
  const n = shape.reduce((a, b) => a * b, 1);
  const [text, setText] = useState(Array(Math.min(n, 16)).fill("0").join(", "));
  const values = text.split(/[\s,]+/).filter(Boolean).map(Number);
  const ok = values.length === n && values.every(Number.isFinite);
  return (
    <div className="tc-use-row">
      <span className="small">x</span>
      <input value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === "Enter" && ok && onX(values)} data-testid="x-input" className="tc-use-x" />
      <button className="small" disabled={!ok} onClick={() => onX(values)} data-testid="x-go">Predict</button>
      {!ok && <span className="muted small">{n} number{n === 1 ? "" : "s"}, shape ({shape.join(", ")})</span>}
    </div>
  );
}
