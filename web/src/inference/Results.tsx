// The answers: top-k bars, the tensor the model saw with its preprocessing, attribution
// overlays, a layer's activations.
import type { Activation, Explanation, InputSeen, Prediction } from "./api";
import { METHOD_NAMES, pngUrl } from "./api";

const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(2) : v.toFixed(3));

export function TopK({ p }: { p: Prediction }) {
  if (p.task === "regression") {
    return (
      <div data-testid="prediction">
        <div><b>Output</b> {p.outputs?.map(fmt).join(", ")}</div>
        {p.true_value && <div className="muted small">true value: {p.true_value.map(fmt).join(", ")}</div>}
      </div>
    );
  }
  const top = p.top[0];
  const right = p.true_label ? p.true_label.index === top?.index : null;
  return (
    <div data-testid="prediction">
      <div className="tc-use-answer">
        <span className="tc-use-top" data-testid="prediction-top">{top?.label}</span>
        {right !== null && (
          <span className={right ? "tc-ok" : "tc-bad"} data-testid="prediction-truth">
            {right ? "✓ correct" : `✗ the true class is ${p.true_label?.label}`}
          </span>
        )}
      </div>
      <div className="tc-use-bars">
        {p.top.map((t) => (
          <div key={t.index} className="tc-use-bar" data-testid="prediction-bar">
            <span className="tc-use-bar-label" title={t.label}>{t.label}</span>
            <span className="tc-use-bar-track"><span style={{ width: `${Math.max(0, Math.min(1, t.probability)) * 100}%` }} /></span>
            <span className="tc-use-bar-value">{p.scoring === "score" ? fmt(t.probability) : `${(t.probability * 100).toFixed(1)}%`}</span>
          </div>
        ))}
      </div>
      <div className="muted small">
        {p.scoring === "softmax" ? "softmax probabilities" : p.scoring === "sigmoid" ? "sigmoid per class" : "raw scores (the loss is not a probability model)"}
        {" · "}<span data-testid="prediction-latency">{p.latency_ms.toFixed(2)} ms</span> forward pass on the server
      </div>
    </div>
  );
}

export function Seen({ input, steps }: { input: InputSeen; steps: string[] }) {
  return (
    <div className="tc-use-seen" data-testid="input-seen">
      {input.png && <img className="tc-pixelated" src={pngUrl(input.png)} alt="the tensor the model saw" />}
      <div>
        <div className="small"><b>The tensor the model saw</b> ({input.shape.join(" × ")})</div>
        <div className="muted small">mean {fmt(input.mean)} · std {fmt(input.std)} · min {fmt(input.min)} · max {fmt(input.max)}</div>
        <ol className="tc-use-steps small" data-testid="preprocessing">
          {steps.map((s, i) => <li key={i}><code>{s}</code></li>)}
        </ol>
      </div>
    </div>
  );
}

export function Maps({ e }: { e: Explanation }) {
  return (
    <div>
      <div className="small">Why <b>{e.target.label}</b>: brighter is more important</div>
      <div className="tc-use-maps">
        {e.maps.map((m) => (
          <figure key={m.method} data-testid={`explain-${m.method}`}>
            {m.png ? <img className="tc-pixelated" src={pngUrl(m.png)} alt={METHOD_NAMES[m.method]} />
              : m.values ? <Values values={m.values} /> : <div className="muted small tc-use-none">—</div>}
            <figcaption className="small"><b>{METHOD_NAMES[m.method]}</b><br /><span className="muted">{m.note}</span></figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}

function Values({ values }: { values: number[] }) {
  const top = Math.max(1e-12, ...values.map(Math.abs));
  return (
    <div className="tc-use-values" data-testid="values">
      {values.slice(0, 256).map((v, i) => (
        <span key={i} title={`${i}: ${fmt(v)}`} style={{ height: `${(Math.abs(v) / top) * 100}%` }} className={v < 0 ? "neg" : ""} />
      ))}
    </div>
  );
}

export function Activations({ a }: { a: Activation }) {
  return (
    <div data-testid="activation">
      <div className="small">
        <b>{a.node}</b> ({a.type}) output {a.shape.join(" × ")} · mean {fmt(a.mean)} · std {fmt(a.std)}
        {a.channels_shown !== null && a.shape.length === 4 && <span className="muted"> · first {a.channels_shown} of {a.shape[1]} channels, each by its own range</span>}
      </div>
      {a.png ? <img className="tc-pixelated tc-use-grid" src={pngUrl(a.png)} alt={`feature maps of ${a.node}`} data-testid="activation-grid" />
        : a.values && <Values values={a.values} />}
    </div>
  );
}
