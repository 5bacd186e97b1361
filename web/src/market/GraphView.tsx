// A market model's diagram: the editor's node components, read-only (pan and zoom; a click shows
// the node's params beside the canvas). Nothing here touches the editor's document.
import { Background, Controls, ReactFlow, ReactFlowProvider, useNodesInitialized, useReactFlow, type NodeChange } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
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
/** Text stays readable from this zoom on: a taller graph starts at its top, and the rest is a pan away. */
const MIN_ZOOM = 0.55;
const MARGIN = 20;
const NONE = {};

/** Fit the graph's width (and height, when it fits) at a readable zoom, its top in view. */
function useReadableFit(wrapper: React.RefObject<HTMLDivElement | null>, viewportReady: boolean) {
  // Both: the nodes measured, and the viewport able to move (setViewport is a no-op before onInit).
  const ready = useNodesInitialized() && viewportReady;
  const { getNodes, getNodesBounds, setViewport } = useReactFlow();
  useEffect(() => {
    const el = wrapper.current;
    if (!ready || !el) return;
    const b = getNodesBounds(getNodes());
    const [w, h] = [el.clientWidth - 2 * MARGIN, el.clientHeight - 2 * MARGIN];
    const zoom = Math.min(1, Math.max(MIN_ZOOM, Math.min(w / b.width, h / b.height)));
    const y = b.height * zoom <= h ? (el.clientHeight - b.height * zoom) / 2 : MARGIN;
    void setViewport({ x: (el.clientWidth - b.width * zoom) / 2 - b.x * zoom, y: y - b.y * zoom, zoom });
  }, [ready, wrapper, getNodes, getNodesBounds, setViewport]);
}

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
  // As in the editor's Canvas: measured sizes go back into the (controlled) nodes.
  const sizes = useRef(new Map<string, { width: number; height: number }>());
  const [sizesVersion, setSizesVersion] = useState(0);
  const nodes = useFlowNodes(graph, NONE, sizes.current, sizesVersion);
  const onNodesChange = useCallback((changes: NodeChange<GraphFlowNode>[]) => {
    let sized = false;
    for (const c of changes)
      if (c.type === "dimensions" && c.dimensions) (sizes.current.set(c.id, c.dimensions), (sized = true));
    if (sized) setSizesVersion((v) => v + 1);
  }, []);
  const edges = useFlowEdges(graph, NONE);
  const [picked, setPicked] = useState<string | null>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const [viewportReady, setViewportReady] = useState(false);
  useReadableFit(wrapper, viewportReady);
  const view = useMemo(() => ({ result, modules: graph.modules }), [result, graph.modules]);
  const node = graph.nodes.find((n) => n.id === picked);
  return (
    <GraphViewContext.Provider value={view}>
      <div className="tc-graph-view" data-testid="market-diagram" ref={wrapper}>
        <ReactFlow<GraphFlowNode, GraphFlowEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          edgeTypes={edgeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          deleteKeyCode={null}
          onNodeClick={(_, n) => setPicked(n.id)}
          onPaneClick={() => setPicked(null)}
          minZoom={0.05}
          // Embedded in a page that scrolls: the wheel scrolls the page, as everywhere else on it.
          // Zoom with the buttons, a pinch, or Ctrl + wheel.
          zoomOnScroll={false}
          preventScrolling={false}
          onInit={() => setViewportReady(true)}
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
