import { Handle, Position } from "@xyflow/react";
import { memo } from "react";

/** A row of handles spread along the top (inputs) or bottom (outputs) edge of a node. */
export const PortRow = memo(function PortRow({ nodeId, ports, kind }: { nodeId: string; ports: string[]; kind: "in" | "out" }) {
  const showNames = ports.length > 1 || (ports[0] !== undefined && ports[0] !== kind);
  return (
    <>
      {ports.map((p, i) => {
        const left = `${((i + 1) / (ports.length + 1)) * 100}%`;
        return (
          <Handle
            key={p}
            id={p}
            type={kind === "in" ? "target" : "source"}
            position={kind === "in" ? Position.Top : Position.Bottom}
            style={{ left }}
            className="tc-handle"
            data-testid={`handle-${nodeId}-${kind}-${p}`}
            title={p}
          >
            {showNames && <span className={`tc-port-label tc-port-label-${kind}`}>{p}</span>}
          </Handle>
        );
      })}
    </>
  );
});
