// Input and output nodes of the model (or of a module definition).
import type { NodeProps } from "@xyflow/react";
import { memo, useEffect, useState } from "react";
import type { InputNode as InputDoc } from "../api/types";
import { formatShape } from "../graph/format";
import { parseShape } from "../graph/shape";
import { setInputShape } from "../store/actions";
import { issueLevel, useNodeResult } from "../store/check";
import { currentBody, useDoc } from "../store/doc";
import { IO_COLOR } from "./colors";
import { PortRow } from "./Ports";
import type { GraphFlowNode } from "./types";
import { useGraphView } from "./viewContext";

const OUT = ["out"], IN = ["in"];

function InputNodeView({ id, data, selected }: NodeProps<GraphFlowNode>) {
  const node = data.node as InputDoc;
  const text = node.shape.join(", ");
  const [draft, setDraft] = useState(text);
  useEffect(() => setDraft(text), [text]);
  const parsed = parseShape(draft);
  const result = useNodeResult(id);
  const readOnly = useGraphView() !== null;
  const errors = result?.errors ?? [];
  const apply = () => {
    if (parsed && parsed.join(", ") !== text) setInputShape(id, parsed);
    else if (!parsed) setDraft(text);
  };
  return (
    <div className={`tc-node io${selected ? " selected" : ""}${errors.length ? " error" : ""}`} style={{ "--cat": IO_COLOR } as React.CSSProperties} data-testid={`node-${id}`}>
      <div className="tc-node-head">
        <span className="tc-node-title">{node.name || id}</span>
        <span className="tc-node-type">Input</span>
      </div>
      <label className="tc-shape-edit">
        <span>(</span>
        <input
          className={`nodrag${parsed ? "" : " invalid"}`}
          value={draft}
          readOnly={readOnly}
          data-testid={`input-shape-${id}`}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={apply}
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === "Enter") (e.target as HTMLInputElement).blur();
          }}
          // Monospace: exactly as wide as the text, so the brackets sit evenly on both sides.
          style={{ width: `calc(${Math.max(4, draft.length)}ch + 10px)` }}
        />
        <span>)</span>
      </label>
      {errors.length > 0 && <div className="tc-node-error" data-testid={`node-error-${id}`} title={errors.map((e) => e.message).join("\n")}>{errors[0].message}</div>}
      <PortRow nodeId={id} ports={OUT} kind="out" />
    </div>
  );
}

function OutputNodeView({ id, data, selected }: NodeProps<GraphFlowNode>) {
  const result = useNodeResult(id);
  const edgeCount = useDoc((s) => currentBody(s).edges.length);
  const all = result?.errors ?? [];
  // "Not connected" on a model with no edges yet is where every new model starts: a hint, not red.
  const hints = all.filter((e) => issueLevel(e, edgeCount) === "hint");
  const errors = all.filter((e) => !hints.includes(e));
  return (
    <div className={`tc-node io${selected ? " selected" : ""}${errors.length ? " error" : ""}`} style={{ "--cat": IO_COLOR } as React.CSSProperties} data-testid={`node-${id}`}>
      <PortRow nodeId={id} ports={IN} kind="in" />
      <div className="tc-node-head">
        <span className="tc-node-title">{data.node.name || id}</span>
        <span className="tc-node-type">Output</span>
      </div>
      <div className="tc-node-foot">
        <span className="tc-node-shape" data-testid={`node-shape-${id}`}>{formatShape(result?.inputs?.in) || "—"}</span>
      </div>
      {errors.length > 0 && <div className="tc-node-error" data-testid={`node-error-${id}`} title={errors.map((e) => e.message).join("\n")}>{errors[0].message}</div>}
      {!errors.length && hints.length > 0 && (
        <div className="tc-node-hint" data-testid={`node-hint-${id}`}>Connect your last layer here</div>
      )}
    </div>
  );
}

export const InputNode = memo(InputNodeView);
export const OutputNode = memo(OutputNodeView);
