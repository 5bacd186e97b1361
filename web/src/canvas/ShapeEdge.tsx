// An edge labelled with the shape of the tensor it carries: nodes[source].outputs[port].
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import { formatShape } from "../graph/format";
import { useNodeResult } from "../store/check";
import type { GraphFlowEdge } from "./types";

function ShapeEdgeView(props: EdgeProps<GraphFlowEdge>) {
  const { source, target, data, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, selected } = props;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const shape = useNodeResult(source)?.outputs?.[data?.sourcePort ?? "out"];
  return (
    <>
      <BaseEdge path={path} markerEnd={markerEnd} className={selected ? "tc-edge selected" : "tc-edge"} />
      {shape && (
        <EdgeLabelRenderer>
          <div
            className="tc-edge-label nodrag nopan"
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-testid={`edge-label-${source}-${target}`}
          >
            {formatShape(shape)}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeView);
