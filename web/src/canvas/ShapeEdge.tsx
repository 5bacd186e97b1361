// An edge labelled with the shape of the tensor it carries: nodes[source].outputs[port].
import { BaseEdge, EdgeLabelRenderer, getBezierPath, getSmoothStepPath, useStore, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import { formatShape } from "../graph/format";
import { useNodeResult } from "../store/check";
import { lanePath } from "./route";
import type { GraphFlowEdge } from "./types";

/** Edge labels show from this zoom on (a fit view never goes below it for graphs of <= 150 nodes). */
export const LABEL_ZOOM = 0.4;
const zoomedIn = (s: { transform: [number, number, number] }) => s.transform[2] >= LABEL_ZOOM;

function ShapeEdgeView(props: EdgeProps<GraphFlowEdge>) {
  const { source, target, data, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, selected } = props;
  // An edge with nodes in its way runs down a lane beside them, its label in the lane. One that
  // goes back up (to the top of the next column of a wrapped layout) is routed around the nodes
  // at right angles; a bezier would cut diagonally across both columns.
  const lane = data?.lane;
  const [path, labelX, labelY] =
    lane !== undefined
      ? [lanePath(sourceX, sourceY, targetX, targetY, lane), lane, (sourceY + targetY) / 2]
      : targetY < sourceY - 20
        ? getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 10, offset: 18 })
        : getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
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
            data-edge={props.id}
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
