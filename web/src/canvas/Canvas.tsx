// The canvas: a controlled React Flow view of the open body. All edits go to the document store.
import {
  Background, Controls, MiniMap, ReactFlow, useReactFlow,
  type Connection, type EdgeChange, type IsValidConnection, type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Position } from "../api/types";
import { connect, moveNodes, setSelection } from "../store/actions";
import { currentBody, useDoc } from "../store/doc";
import { snapshot } from "../store/history";
import { openModule } from "../store/modules";
import { setTab, useUi } from "../store/ui";
import { DND_MIME, type PaletteItem } from "./dnd";
import { InputNode, OutputNode } from "./IoNodes";
import { LayerNode } from "./LayerNode";
import { placeItem } from "./place";
import { ShapeEdge } from "./ShapeEdge";
import type { GraphFlowEdge, GraphFlowNode } from "./types";
import { useFlowEdges, useFlowNodes } from "./useFlowElements";

// Module scope: React Flow re-mounts every node when these objects change identity.
const nodeTypes = { tcLayer: LayerNode, tcInput: InputNode, tcOutput: OutputNode };
const edgeTypes = { shape: ShapeEdge };
export const FIT = { maxZoom: 1, padding: 0.15 };
const minimapColor = (n: GraphFlowNode) => (n.selected ? "#2563eb" : "#cbd5e1");

export function Canvas() {
  const body = useDoc(currentBody);
  const selected = useDoc((s) => s.selected);
  const selectedEdges = useDoc((s) => s.selectedEdges);
  const sizes = useRef(new Map<string, { width: number; height: number }>());
  const [sizesVersion, setSizesVersion] = useState(0);
  const nodes = useFlowNodes(body, selected, sizes.current, sizesVersion);
  const edges = useFlowEdges(body, selectedEdges);
  const { screenToFlowPosition, fitView } = useReactFlow();
  const loaded = useDoc((s) => s.loaded);
  const opening = useUi((s) => s.opening);
  const path = useDoc((s) => s.path);
  useEffect(() => {
    // Wait for the new nodes to be measured before fitting.
    const t = setTimeout(() => void fitView({ ...FIT, duration: 150 }), 60);
    return () => clearTimeout(t);
  }, [loaded, path, fitView]);

  const onNodesChange = useCallback((changes: NodeChange<GraphFlowNode>[]) => {
    const positions: Record<string, Position> = {};
    let sel: Record<string, true> | null = null;
    let sized = false;
    for (const c of changes) {
      if (c.type === "position" && c.position) positions[c.id] = c.position;
      else if (c.type === "dimensions" && c.dimensions) {
        sizes.current.set(c.id, c.dimensions);
        sized = true;
      } else if (c.type === "select") {
        sel ??= { ...useDoc.getState().selected };
        if (c.selected) sel[c.id] = true;
        else delete sel[c.id];
      }
    }
    if (Object.keys(positions).length) moveNodes(positions);
    if (sel) setSelection(sel, useDoc.getState().selectedEdges);
    if (sized) setSizesVersion((v) => v + 1);
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange<GraphFlowEdge>[]) => {
    let sel: Record<string, true> | null = null;
    for (const c of changes)
      if (c.type === "select") {
        sel ??= { ...useDoc.getState().selectedEdges };
        if (c.selected) sel[c.id] = true;
        else delete sel[c.id];
      }
    if (sel) setSelection(useDoc.getState().selected, sel);
  }, []);

  const onConnect = useCallback((c: Connection) => {
    if (c.sourceHandle && c.targetHandle)
      connect({ source: { node: c.source, port: c.sourceHandle }, target: { node: c.target, port: c.targetHandle } });
  }, []);

  const isValidConnection: IsValidConnection<GraphFlowEdge> = useCallback((c) => {
    if (c.source === c.target || !c.sourceHandle || !c.targetHandle) return false;
    // One edge per input handle.
    const b = currentBody(useDoc.getState());
    return !b.edges.some((e) => e.target.node === c.target && e.target.port === c.targetHandle);
  }, []);

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const raw = e.dataTransfer.getData(DND_MIME);
      if (!raw) return;
      e.preventDefault();
      const item = JSON.parse(raw) as PaletteItem;
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      placeItem(item, { x: p.x - 90, y: p.y - 30 });
      setTab("params");
    },
    [screenToFlowPosition],
  );

  const onDragOver = useCallback((e: React.DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  }, []);

  const onNodeDoubleClick = useCallback((_: React.MouseEvent, n: GraphFlowNode) => {
    if (n.data.node.kind === "module") openModule(n.data.node.module);
  }, []);

  return (
    <div className="tc-canvas" data-testid="canvas" onDrop={onDrop} onDragOver={onDragOver}>
      <ReactFlow<GraphFlowNode, GraphFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeDragStart={snapshot}
        onSelectionDragStart={snapshot}
        onNodeClick={() => setTab("params")}
        onNodeDoubleClick={onNodeDoubleClick}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Shift", "Meta", "Control"]}
        onlyRenderVisibleElements={nodes.length > 150}
        minZoom={0.05}
        fitView
        fitViewOptions={FIT}
      >
        <Background gap={16} color="#e2e8f0" />
        <MiniMap pannable zoomable nodeColor={minimapColor} data-testid="minimap" />
        <Controls />
      </ReactFlow>
      {opening && <div className="tc-veil" data-testid="opening">Opening model…</div>}
    </div>
  );
}
