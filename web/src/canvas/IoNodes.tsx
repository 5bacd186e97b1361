// Input and output nodes of the model (or of a module definition).
import type { NodeProps } from "@xyflow/react";
import { memo, useEffect, useState } from "react";
import type { InputNode as InputDoc } from "../api/types";
import { formatShape } from "../graph/format";
import { parseShape } from "../graph/shape";
import { setInputShape } from "../store/actions";
import { useNodeResult } from "../store/check";
import { IO_COLOR } from "./colors";
import { PortRow } from "./Ports";
import type { GraphFlowNode } from "./types";

const OUT = ["out"], IN = ["in"];

function InputNodeView({ id, data, selected }: NodeProps<GraphFlowNode>) {
  const node = data.node as InputDoc;
  const text = node.shape.join(", ");
  const [draft, setDraft] = useState(text);
  useEffect(() => setDraft(text), [text]);
  const parsed = parseShape(draft);
  const result = useNodeResult(id);
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
        (
        <input
          className={`nodrag${parsed ? "" : " invalid"}`}
          value={draft}
          data-testid={`input-shape-${id}`}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={apply}
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === "Enter") (e.target as HTMLInputElement).blur();
          }}
          size={Math.max(6, draft.length)}
        />
        )
      </label>
      {errors.length > 0 && <div className="tc-node-error" data-testid={`node-error-${id}`}>{errors[0].message}</div>}
      <PortRow nodeId={id} ports={OUT} kind="out" />
    </div>
  );
}

function OutputNodeView({ id, data, selected }: NodeProps<GraphFlowNode>) {
  const result = useNodeResult(id);
  const errors = result?.errors ?? [];
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
      {errors.length > 0 && <div className="tc-node-error" data-testid={`node-error-${id}`}>{errors[0].message}</div>}
    </div>
  );
}

export const InputNode = memo(InputNodeView);
export const OutputNode = memo(OutputNodeView);
