// A market model's diagram: the editor's node components, read-only (pan and zoom; a click shows
// the node's params beside the canvas). Nothing here touches the editor's document.
import { Background, Controls, ReactFlow, ReactFlowProvider } from "@xyflow/react";
import { useMemo, useRef, useState } from "react";
import type { CheckResult, Graph, GraphNode } from "../api/types";
import { InputNode, OutputNode } from "../canvas/IoNodes";
import { LayerNode } from "../canvas/LayerNode";
import { ShapeEdge } from "../canvas/ShapeEdge";
import type { GraphFlowEdge, GraphFlowNode } from "../canvas/types";
import { useFlowEdges, useFlowNodes } from "../canvas/useFlowElements";
import { GraphViewContext } from "../canvas/viewContext";
import { formatShape, formatValue } from "../graph/format";

const nodeTypes = { tcLayer: LayerNode, tcInput: InputNode, tcOutput: OutputNode };
const edgeTypes = { shape: ShapeEdge };
const FIT = { maxZoom: 1, padding: 0.15, minZoom: 0.2 };
const NONE = {};

function NodeInfo({ node, result }: { node: GraphNode; result: CheckResult | null }) {
  const r = result?.nodes[node.id];
  const params = node.kind === "layer" ? Object.entries(node.params) : [];
  return (
    <div className="tc-node-info" data-testid="node-info">
      <b>{node.name || node.id}</b>{" "}
      <span className="muted">{node.kind === "layer" ? node.type : node.kind === "module" ? `module ${node.module}` : node.kind}</span>
      {node.kind === "input" && <div><code>{formatShape(node.shape)}</code></div>}
      {params.length > 0 && (
        <table>
          <tbody>{params.map(([k, v]) => <tr key={k}><td className="tc-field-name">{k}</td><td><code>{formatValue(v)}</code></td></tr>)}</tbody>
        </table>
      )}
      {node.kind === "layer" && !params.length && <div className="muted small">default params</div>}
      {r && (
        <div className="muted small">
          out {formatShape(Object.values(r.outputs)[0] ?? r.inputs.in)} · {r.params.toLocaleString()} params
        </div>
      )}
    </div>
  );
}

function Diagram({ graph, result }: { graph: Graph; result: CheckResult | null }) {
  const sizes = useRef(new Map<string, { width: number; height: number }>());
  const nodes = useFlowNodes(graph, NONE, sizes.current, 0);
  const edges = useFlowEdges(graph, NONE);
  const [picked, setPicked] = useState<string | null>(null);
  const view = useMemo(() => ({ result, modules: graph.modules }), [result, graph.modules]);
  const node = graph.nodes.find((n) => n.id === picked);
  return (
    <GraphViewContext.Provider value={view}>
      <div className="tc-graph-view" data-testid="market-diagram">
        <ReactFlow<GraphFlowNode, GraphFlowEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          deleteKeyCode={null}
          onNodeClick={(_, n) => setPicked(n.id)}
          onPaneClick={() => setPicked(null)}
          minZoom={0.05}
          fitView
          fitViewOptions={FIT}
        >
          <Background gap={16} color="#e2e8f0" />
          <Controls showInteractive={false} />
        </ReactFlow>
        {node && <NodeInfo node={node} result={result} />}
      </div>
    </GraphViewContext.Provider>
  );
}

export function GraphView(props: { graph: Graph; result: CheckResult | null }) {
  return (
    <ReactFlowProvider>
      <Diagram {...props} />
    </ReactFlowProvider>
  );
}
