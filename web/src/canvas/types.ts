import type { Edge as FlowEdge, Node as FlowNode } from "@xyflow/react";
import type { GraphNode } from "../api/types";

export type NodeData = { node: GraphNode };
export type GraphFlowNode = FlowNode<NodeData>;
/** `lane`: the x of the lane the edge takes around nodes in its way (canvas/route.ts), if any. */
export type EdgeData = { sourcePort: string; lane?: number };
export type GraphFlowEdge = FlowEdge<EdgeData>;
