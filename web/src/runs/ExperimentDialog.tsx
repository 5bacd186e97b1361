// Define an experiment on the open model: axes (training fields, a param of one layer, a param of
// every layer of a type, with/without a layer type), every combination one run; then open the
// comparison. Every axis is picked from lists (field, layer, param): no path to type.
import { useMemo, useState } from "react";
import { runsApi } from "../api/runs";
import { navigate } from "../router";
import { needsSignIn } from "../store/auth";
import { useCatalog } from "../store/catalog";
import { useDoc } from "../store/doc";
import { currentSource, setExperimentDialog } from "../store/runActions";
import { currentInitFrom } from "../store/weights";
import { layerNodes, layerTypes, toAxis, toggleTypes, trainingLabel, trainingPaths, variantCount, type AxisDraft, type AxisKind } from "./axes";

const MAX_VARIANTS = 32;

export function ExperimentDialog() {
  const doc = useDoc((s) => s.doc);
  const catalog = useCatalog((s) => s.catalog);
  const types = useMemo(() => layerTypes(doc), [doc]);
  const layers = useMemo(() => layerNodes(doc), [doc]);
  const typeOf = (id: string | undefined) => layers.find((l) => l.id === id)?.type ?? "";
  const toggles = useMemo(() => toggleTypes(doc), [doc]);
  const optimizerParams = catalog?.optimizers[doc.training.optimizer.type]?.params.map((p) => p.name) ?? [];
  const paths = useMemo(() => trainingPaths(doc, optimizerParams), [doc, optimizerParams.join()]); // eslint-disable-line react-hooks/exhaustive-deps
  const paramsOf = (type: string) => catalog?.layers[type]?.params.filter((p) => p.type === "float" || p.type === "int" || p.type === "bool").map((p) => p.name) ?? [];

  const blank = (kind: AxisKind): AxisDraft => {
    const node = layers[0]?.id;
    const layerType = kind === "toggle" ? toggles[0] ?? "" : kind === "node" ? typeOf(node) : types[0] ?? "";
    return { kind, path: "training.lr", node, layerType, param: paramsOf(layerType)[0] ?? "", values: kind === "path" ? `${doc.training.lr}, ${doc.training.lr * 10}` : "" };
  };
  const [name, setName] = useState(`${doc.name} experiment`);
  const [epochs, setEpochs] = useState(String(doc.training.epochs));
  const [axes, setAxes] = useState<AxisDraft[]>([blank("path")]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (i: number, patch: Partial<AxisDraft>) => setAxes(axes.map((a, k) => (k === i ? { ...a, ...patch } : a)));
  const count = variantCount(axes);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const n = parseInt(epochs, 10);
      const exp = await runsApi.experiment({ ...currentSource(), name, axes: axes.map(toAxis), ...(n >= 1 ? { epochs: n } : {}) });
      setExperimentDialog(false);
      navigate(`#/compare?ids=${exp.run_ids.join(",")}&experiment=${exp.id}`);
    } catch (e) {
      if (needsSignIn(e)) return setExperimentDialog(false);
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="tc-modal-back" onClick={() => setExperimentDialog(false)}>
      <div className="tc-modal tc-experiment" data-testid="experiment-dialog" onClick={(e) => e.stopPropagation()}>
        <h3>New experiment</h3>
        <p className="muted small">Every combination of the values below becomes one run of “{doc.name}”; the comparison fills in as they finish.</p>
        {currentInitFrom() && (
          <p className="tc-warn-box" data-testid="experiment-init-note">
            The variants start from the model's own init: the initial weights chosen in the Training tab apply to single runs
            (a variant that changes a layer would not load them strictly).
          </p>
        )}
        <div className="tc-grid2">
          <label className="tc-field"><span className="tc-field-name">name</span><input value={name} onChange={(e) => setName(e.target.value)} data-testid="experiment-name" /></label>
          <label className="tc-field"><span className="tc-field-name">epochs (every run)</span><input type="number" value={epochs} onChange={(e) => setEpochs(e.target.value)} data-testid="experiment-epochs" /></label>
        </div>
        {axes.map((a, i) => (
          <div className="tc-axis" key={i} data-testid={`experiment-axis-${i}`}>
            <select value={a.kind} onChange={(e) => setAxes(axes.map((x, k) => (k === i ? blank(e.target.value as AxisKind) : x)))} data-testid={`experiment-axis-${i}-kind`}>
              <option value="path">training field</option>
              <option value="node" disabled={!layers.length}>param of one layer</option>
              <option value="layer" disabled={!types.length}>param of every layer of a type</option>
              <option value="toggle" disabled={!toggles.length}>with / without a layer type</option>
            </select>
            {a.kind === "path" && (
              <select value={a.path} onChange={(e) => set(i, { path: e.target.value })} title={a.path} data-testid={`experiment-axis-${i}-path`}>
                {paths.map((p) => <option key={p} value={p}>{trainingLabel(p)}</option>)}
              </select>
            )}
            {a.kind === "node" && (
              <select
                value={a.node}
                onChange={(e) => set(i, { node: e.target.value, layerType: typeOf(e.target.value), param: paramsOf(typeOf(e.target.value))[0] ?? "" })}
                data-testid={`experiment-axis-${i}-node`}
              >
                {layers.map((l) => <option key={l.id} value={l.id}>{l.label}</option>)}
              </select>
            )}
            {(a.kind === "layer" || a.kind === "toggle") && (
              <select value={a.layerType} onChange={(e) => set(i, { layerType: e.target.value, param: paramsOf(e.target.value)[0] ?? "" })} data-testid={`experiment-axis-${i}-type`}>
                {(a.kind === "toggle" ? toggles : types).map((t) => <option key={t} value={t}>{t}</option>)}
              </select>
            )}
            {(a.kind === "layer" || a.kind === "node") && (
              <select value={a.param} onChange={(e) => set(i, { param: e.target.value })} data-testid={`experiment-axis-${i}-param`}>
                {paramsOf(a.layerType).map((p) => <option key={p} value={p}>{p}</option>)}
              </select>
            )}
            {a.kind !== "toggle" ? (
              <input className="tc-axis-values" value={a.values} onChange={(e) => set(i, { values: e.target.value })} placeholder="values, comma-separated: 0, 0.01" data-testid={`experiment-axis-${i}-values`} />
            ) : (
              <span className="muted small tc-axis-values">on and off (removed, its input wired to its consumers)</span>
            )}
            <button className="icon" onClick={() => setAxes(axes.filter((_, k) => k !== i))} disabled={axes.length === 1} title="Remove this axis" data-testid={`experiment-axis-${i}-remove`}>×</button>
          </div>
        ))}
        <div className="tc-row">
          <button className="small" onClick={() => setAxes([...axes, blank("path")])} disabled={axes.length >= 6} data-testid="experiment-add">+ Add axis</button>
          <span className="spacer" />
          <span className={count > MAX_VARIANTS ? "tc-field-error" : "muted"} data-testid="experiment-count">{count} run{count === 1 ? "" : "s"}{count > MAX_VARIANTS ? ` (at most ${MAX_VARIANTS})` : ""}</span>
        </div>
        {error && <div className="tc-error-box" data-testid="experiment-error">{error}</div>}
        <div className="tc-row tc-modal-foot">
          <span className="spacer" />
          <button onClick={() => setExperimentDialog(false)}>Cancel</button>
          <button className="primary" disabled={busy || count < 1 || count > MAX_VARIANTS} onClick={() => void start()} data-testid="experiment-start">
            {busy ? "Starting…" : `Run ${count} variant${count === 1 ? "" : "s"}`}
          </button>
        </div>
      </div>
    </div>
  );
}
