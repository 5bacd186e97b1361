// Training-config warnings (amber): the check is ✓, the model builds, but the dataset or the loss
// does not fit it, so train.py cannot be generated. Shown next to the field they name, with
// one-click datasets that fit the input shape.
import { useMemo } from "react";
import type { Choice, Issue } from "../api/types";
import { initialParams, setTraining } from "../store/actions";
import { useCatalog } from "../store/catalog";
import { useCheck } from "../store/check";
import { useDoc } from "../store/doc";
import { type Suggestion, suggestDatasets } from "./suggest";

export type WarningField = "dataset" | "loss" | "freeze" | "other";

/** Which Training field an issue is about: its `param` ("training.dataset", or "shape" on the input node). */
export function warningField(i: Issue, inputIds: Set<string>, outputIds: Set<string>): WarningField {
  const p = i.param ?? "";
  if (p.startsWith("training.dataset") || (p === "shape" && (!i.node || inputIds.has(i.node)))) return "dataset";
  if (p.startsWith("training.loss") || (i.node && outputIds.has(i.node))) return "loss";
  if (p.startsWith("training.freeze")) return "freeze";
  return "other";
}

function useShapes() {
  const nodes = useDoc((s) => s.doc.nodes);
  const result = useCheck((s) => s.result);
  return useMemo(() => {
    const input = nodes.find((n) => n.kind === "input");
    const output = nodes.find((n) => n.kind === "output");
    return {
      inputIds: new Set(nodes.filter((n) => n.kind === "input").map((n) => n.id)),
      outputIds: new Set(nodes.filter((n) => n.kind === "output").map((n) => n.id)),
      input: input?.kind === "input" ? input.shape : undefined,
      output: output ? result?.nodes[output.id]?.inputs?.in : undefined,
    };
  }, [nodes, result]);
}

export function WarningList({ warnings, field }: { warnings: Issue[]; field: WarningField }) {
  const { inputIds, outputIds, input, output } = useShapes();
  const datasets = useCatalog((s) => s.catalog?.datasets);
  const losses = useCatalog((s) => s.catalog?.losses);
  const loss = useDoc((s) => s.doc.training.loss.type);
  const mine = warnings.filter((w) => warningField(w, inputIds, outputIds) === field);
  if (!mine.length) return null;
  const suggestions = field === "dataset" && datasets ? suggestDatasets(datasets, losses ?? {}, input, output, loss) : [];
  const use = (s: Suggestion) => {
    const patch: { dataset: Choice; loss?: Choice } = { dataset: { type: s.type, params: initialParams(datasets?.[s.type]) } };
    if (s.loss) patch.loss = { type: s.loss, params: initialParams(losses?.[s.loss]) };
    setTraining(patch);
  };
  return (
    <div className="tc-warn-box" data-testid={`training-warning-${field}`}>
      {mine.map((w, i) => (
        <div key={i} className="tc-warn-item">
          <div>⚠ {w.message}</div>
          {w.fix && <div className="tc-warn-fix">Fix: {w.fix}</div>}
        </div>
      ))}
      {suggestions.length > 0 && (
        <div className="tc-warn-suggest">
          <span>Datasets with {input ? `(${input.slice(1).join(", ")})` : "these"} samples:</span>
          {suggestions.map((s) => (
            <button key={s.type} className="small" onClick={() => use(s)} data-testid={`suggest-dataset-${s.type}`} title={s.loss ? `also sets the loss to ${s.loss}` : undefined}>
              {s.title} <span className="muted">({s.note}{s.loss ? `, + ${s.loss}` : ""})</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
