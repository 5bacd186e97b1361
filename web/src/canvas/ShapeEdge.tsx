// An edge labelled with the shape of the tensor it carries: nodes[source].outputs[port].
import { BaseEdge, EdgeLabelRenderer, getBezierPath, useStore, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import { formatShape } from "../graph/format";
import { useNodeResult } from "../store/check";
import type { GraphFlowEdge } from "./types";

const zoomedIn = (s: { transform: [number, number, number] }) => s.transform[2] >= 0.4;

function ShapeEdgeView(props: EdgeProps<GraphFlowEdge>) {
  const { source, target, data, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, selected } = props;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const shape = useNodeResult(source)?.outputs?.[data?.sourcePort ?? "out"];
  // Labels are unreadable when zoomed far out; skipping them keeps big graphs fast.
  const readable = useStore(zoomedIn);
  return (
    <>
      <BaseEdge path={path} markerEnd={markerEnd} className={selected ? "tc-edge selected" : "tc-edge"} />
      {shape && readable && (
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
