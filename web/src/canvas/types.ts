import type { Edge as FlowEdge, Node as FlowNode } from "@xyflow/react";
import type { GraphNode } from "../api/types";

export type NodeData = { node: GraphNode };
export type GraphFlowNode = FlowNode<NodeData>;
export type EdgeData = { sourcePort: string };
export type GraphFlowEdge = FlowEdge<EdgeData>;
