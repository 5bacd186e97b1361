// The normalization explorer: an input shape and a layer -> what it normalizes over (a picture),
// its parameters and buffers (POST /lab/normalization). Invalid settings show the server's message.
// The layers it covers come from the server (GET /lab/normalization), first one selected.
import { useEffect, useState } from "react";
import { labApi, type Normalization, type NormalizationRequest } from "../api/runs";
import { NormPicture } from "./NormPicture";
import { parseShape, statSize } from "./normGroups";

export function NormExplorer() {
  const [shapeText, setShapeText] = useState("8, 6, 3, 4");
  const [layers, setLayers] = useState<string[]>([]);
  const [layer, setLayer] = useState<string | null>(null);
  const [normalizedText, setNormalizedText] = useState("6, 3, 4");
  const [groups, setGroups] = useState("3");
  const [affine, setAffine] = useState(true);
  const [result, setResult] = useState<Normalization | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    labApi.normalizationLayers().then(
      (r) => (setLayers(r.layers), setLayer((l) => l ?? r.layers[0] ?? null)),
      (e: Error) => setError(e.message),
    );
  }, []);

  useEffect(() => {
    if (!layer) return;
    const shape = parseShape(shapeText);
    if (!shape) return setError("The input shape is whole numbers ≥ 1, comma-separated: 8, 6, 3, 4");
    const body: NormalizationRequest = { shape, layer, affine };
    if (layer === "LayerNorm") {
      const ns = parseShape(normalizedText);
      if (!ns) return setError("normalized_shape is whole numbers ≥ 1, comma-separated: 3, 4");
      body.normalized_shape = ns;
    }
    if (layer === "GroupNorm") {
      const g = parseInt(groups, 10);
      if (!(g >= 1)) return setError("num_groups is a whole number ≥ 1");
      body.num_groups = g;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      labApi.normalization(body, controller.signal).then(
        (r) => (setResult(r), setError(null)),
        (e: Error) => e.name !== "AbortError" && setError(e.message),
      );
    }, 200);
    return () => (clearTimeout(timer), controller.abort());
  }, [shapeText, layer, normalizedText, groups, affine]);

  return (
    <div className="tc-norm" data-testid="norm-explorer">
      <div className="tc-row">
        <label className="tc-inline-field">input shape <input value={shapeText} onChange={(e) => setShapeText(e.target.value)} data-testid="norm-shape" /></label>
        <span className="tc-segmented">
          {layers.map((l) => (
            <button key={l} className={layer === l ? "on" : ""} onClick={() => setLayer(l)} data-testid={`norm-layer-${l}`}>{l}</button>
          ))}
        </span>
        {layer === "LayerNorm" && (
          <label className="tc-inline-field">normalized_shape <input value={normalizedText} onChange={(e) => setNormalizedText(e.target.value)} data-testid="norm-normalized-shape" /></label>
        )}
        {layer === "GroupNorm" && (
          <label className="tc-inline-field">num_groups <input type="number" min={1} value={groups} onChange={(e) => setGroups(e.target.value)} data-testid="norm-num-groups" /></label>
        )}
        <label className="tc-inline-field"><input type="checkbox" checked={affine} onChange={(e) => setAffine(e.target.checked)} data-testid="norm-affine" /> affine</label>
      </div>
      {error && <div className="tc-error-box" data-testid="norm-error">{error}</div>}
      {result && (
        <div className={`tc-norm-body${error ? " stale" : ""}`}>
          <NormPicture norm={result} />
          <div className="tc-norm-info">
            <code className="tc-norm-code" data-testid="norm-code">{result.code}</code>
            <p data-testid="norm-statistics">
              Input ({result.axis_names.join(", ")}) = ({result.input_shape.join(", ")}): {result.statistics}.
              {" "}Each mean and variance is taken over <b>{statSize(result)}</b> values (blue; hover another cell).
            </p>
            <table className="tc-table" data-testid="norm-tensors">
              <thead><tr><th>tensor</th><th>kind</th><th>shape</th></tr></thead>
              <tbody>
                {result.parameters.map((t) => <tr key={t.name} data-testid={`norm-param-${t.name}`}><td><code>{t.name}</code></td><td>parameter</td><td>({t.shape.join(", ")})</td></tr>)}
                {result.buffers.map((t) => <tr key={t.name} data-testid={`norm-buffer-${t.name}`}><td><code>{t.name}</code></td><td className="muted">buffer</td><td>({t.shape.join(", ")})</td></tr>)}
                {!result.parameters.length && !result.buffers.length && <tr><td colSpan={3} className="muted">no parameters, no buffers</td></tr>}
              </tbody>
            </table>
            <p className="muted small">{result.note}</p>
          </div>
        </div>
      )}
    </div>
  );
}
