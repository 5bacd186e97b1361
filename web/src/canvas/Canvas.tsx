// The canvas: a controlled React Flow view of the open body. All edits go to the document store.
import {
  Background, Controls, MiniMap, ReactFlow, useReactFlow, useStore,
  type Connection, type EdgeChange, type IsValidConnection, type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Position } from "../api/types";
import { connect, insertIntoEdge, moveNodes, setSelection } from "../store/actions";
import { currentBody, edgeId, useDoc } from "../store/doc";
import { nodePorts } from "../graph/ports";
import { useCatalog } from "../store/catalog";
import { snapshot } from "../store/history";
import { openModule } from "../store/modules";
import { setTab, useUi } from "../store/ui";
import { WarningChip } from "./WarningChip";
import { DND_MIME, type PaletteItem } from "./dnd";
import { InputNode, OutputNode } from "./IoNodes";
import { LayerNode } from "./LayerNode";
import { placeItem, setMeasuredSizes } from "./place";
import { edgeEnds, lanes } from "./route";
import { Overview, boxAt, useOverviewBoxes } from "./Overview";
import { ShapeEdge } from "./ShapeEdge";
import type { GraphFlowEdge, GraphFlowNode } from "./types";
import { estimateFlowNode } from "./nodeSize";
import { useFlowEdges, useFlowNodes } from "./useFlowElements";

// Module scope: React Flow re-mounts every node when these objects change identity.
const nodeTypes = { tcLayer: LayerNode, tcInput: InputNode, tcOutput: OutputNode };
const edgeTypes = { shape: ShapeEdge };
/**
 * A fit view never zooms out below this for graphs of up to 150 nodes (LeNet in one column used
 * to fit at 0.35, where no text is readable); the rest can be scrolled to. Bigger graphs get the
 * whole overview, drawn as plain boxes (see LOD_ZOOM). Not higher: a 17-layer chain built by hand
 * in one column must still fit a 1000 px tall window with room below it to drop the output node.
 */
export const MIN_FIT_ZOOM = 0.45;
const BIG_GRAPH = 300;
/** Edges are routed around the nodes in their way up to this many nodes (each move re-routes). */
const ROUTED = 200;
/** Below this zoom nodes are drawn as plain coloured boxes: no text to lay out or paint. */
export const LOD_ZOOM = 0.3;
// A getter, so that every `{ ...FIT }` (the top bar's Fit view button, the F key) reads the
// node count at the moment of the fit.
export const FIT = {
  maxZoom: 1,
  padding: 0.2,
  // The overview hides the flow nodes (Overview.tsx): the fit is of all of them all the same.
  includeHiddenNodes: true,
  get minZoom() {
    return currentBody(useDoc.getState()).nodes.length <= 150 ? MIN_FIT_ZOOM : 0.02;
  },
};
const minimapColor = (n: GraphFlowNode) => (n.selected ? "#2563eb" : "#cbd5e1");
/** Small and translucent, so that it hides little of the canvas (Palette keeps new nodes clear of it). */
export const MINIMAP = { width: 150, height: 100 };
const farOut = (s: { transform: [number, number, number] }) => s.transform[2] < LOD_ZOOM;
/** Far out, a graph of more nodes than this is drawn on one canvas (Overview.tsx), not as DOM nodes. */
export const OVERVIEW_MIN = 150;
/** Below this canvas height (1280x720 with the runs drawer open) the minimap would sit on the
 * fitted nodes: the canvas is too short to spare its corner, so it is not drawn. */
export const MINIMAP_MIN_HEIGHT = 420;
const tallEnough = (s: { height: number }) => s.height >= MINIMAP_MIN_HEIGHT;

/** The edge whose shape label is under (or within 24 px of) a screen point, for drop-to-insert. */
function edgeLabelAt(x: number, y: number): string | null {
  let best: string | null = null, bestD = 24;
  for (const el of document.querySelectorAll<HTMLElement>(".tc-edge-label[data-edge]")) {
    const r = el.getBoundingClientRect();
    const d = Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
    if (d < bestD) [best, bestD] = [el.dataset.edge!, d];
  }
  return best;
}

export function Canvas() {
  const body = useDoc(currentBody);
  const selected = useDoc((s) => s.selected);
  const selectedEdges = useDoc((s) => s.selectedEdges);
  const sizes = useRef(new Map<string, { width: number; height: number }>());
  const [sizesVersion, setSizesVersion] = useState(0);
  const lod = useStore(farOut);
  // A big graph just opened stays drawn by the overview until its fit is done: React Flow
  // applies a new zoom one render before our hidden flags, so a fit far out would mount every
  // node for one frame (and unmount it the next).
  const [fitting, setFitting] = useState(false);
  const overview = (lod || fitting) && body.nodes.length > OVERVIEW_MIN;
  const layers = useCatalog((s) => s.catalog?.layers);
  const modules = useDoc((s) => s.doc.modules);
  const big = body.nodes.length > OVERVIEW_MIN;
  const estimate = useMemo(() => (big ? estimateFlowNode(layers, modules) : undefined), [big, layers, modules]);
  const nodes = useFlowNodes(body, selected, sizes.current, sizesVersion, overview, estimate);
  const overviewBoxes = useOverviewBoxes(body, (id) => sizes.current.get(id), sizesVersion);
  const edgeLanes = useMemo(() => {
    if (body.nodes.length > ROUTED) return null;
    const byId = new Map(body.nodes.map((n) => [n.id, n]));
    const ports = (id: string) => nodePorts(byId.get(id)!, layers, modules);
    const sizeOf = (id: string) => sizes.current.get(id);
    const ls = lanes(body, sizeOf, ports);
    const out = new Map<string, number>();
    const known = body.edges.filter((e) => byId.has(e.source.node) && byId.has(e.target.node));
    edgeEnds(body, sizeOf, ports).forEach((_, i) => {
      const lane = ls[i];
      if (lane !== null) out.set(edgeId(known[i]), Math.round(lane));
    });
    return out;
    // sizesVersion: the (mutable) sizes map changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [body, layers, modules, sizesVersion]);
  const edges = useFlowEdges(body, selectedEdges, edgeLanes);
  const { screenToFlowPosition, fitView } = useReactFlow();
  const loaded = useDoc((s) => s.loaded);
  const opening = useUi((s) => s.opening);
  const path = useDoc((s) => s.path);
  const roomForMinimap = useStore(tallEnough);
  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => setMeasuredSizes((id) => sizes.current.get(id)), []);
  useEffect(() => {
    // Auto-layout wraps long chains into columns that fit this size.
    const el = wrapper.current;
    if (!el) return;
    const ro = new ResizeObserver(() => useUi.setState({ canvasSize: { width: el.clientWidth, height: el.clientHeight } }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    // Wait for the new nodes to be measured before fitting. A big graph jumps to its fit: an
    // animated zoom from 1 down to its overview passes through every zoom between, where
    // hundreds of nodes are on screen, and mounted each frame to be unmounted the next (a
    // 1,000-node model's open spent seconds there).
    const big = currentBody(useDoc.getState()).nodes.length > OVERVIEW_MIN;
    setFitting(big);
    const t = setTimeout(() => void fitView({ ...FIT, duration: big ? 0 : 150 }).finally(() => setFitting(false)), 60);
    return () => (clearTimeout(t), setFitting(false));
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

  // An input that already has an edge accepts a new one: connect() replaces the old edge (one
  // edge per input), which is how a layer is inserted between two connected nodes.
  const isValidConnection: IsValidConnection<GraphFlowEdge> = useCallback(
    (c) => c.source !== c.target && !!c.sourceHandle && !!c.targetHandle,
    [],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const raw = e.dataTransfer.getData(DND_MIME);
      if (!raw) return;
      e.preventDefault();
      const item = JSON.parse(raw) as PaletteItem;
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const onEdge = edgeLabelAt(e.clientX, e.clientY);
      const id = placeItem(item, { x: p.x - 90, y: p.y - 30 });
      // Dropped on an edge's shape label: insert the new node into that edge.
      if (onEdge) insertIntoEdge(onEdge, id);
      setTab("params");
    },
    [screenToFlowPosition],
  );

  // Panning a big graph repaints the minimap (all its node rects) on every frame: in Chromium's
  // software rendering that alone holds a 1,000-node view under 25 FPS. Hide it while the view
  // moves (not while it is the minimap being dragged), for graphs where that matters.
  const onMoveStart = useCallback((e: MouseEvent | TouchEvent | null) => {
    const t = e?.target as Element | null | undefined;
    if (currentBody(useDoc.getState()).nodes.length > BIG_GRAPH && !t?.closest?.(".react-flow__minimap"))
      wrapper.current?.classList.add("moving");
  }, []);
  const onMoveEnd = useCallback(() => wrapper.current?.classList.remove("moving"), []);

  const onDragOver = useCallback((e: React.DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  }, []);

  // The overview has no DOM nodes: a click on a box selects its node.
  const onPaneClick = useCallback(
    (e: React.MouseEvent) => {
      if (!overview) return;
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const id = boxAt(overviewBoxes, p.x, p.y);
      if (id) {
        setSelection({ [id]: true }, {});
        setTab("params");
      }
    },
    [overview, overviewBoxes, screenToFlowPosition],
  );

  const onNodeDoubleClick = useCallback((_: React.MouseEvent, n: GraphFlowNode) => {
    if (n.data.node.kind === "module") openModule(n.data.node.module);
  }, []);

  return (
    <div className={`tc-canvas${lod ? " lod" : ""}${overview ? " overview" : ""}`} data-testid="canvas" onDrop={onDrop} onDragOver={onDragOver} ref={wrapper}>
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
        onPaneClick={onPaneClick}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Shift", "Meta", "Control"]}
        onlyRenderVisibleElements={big}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        minZoom={0.05}
        fitView
        fitViewOptions={FIT}
      >
        <Background gap={16} color="#e2e8f0" />
        {roomForMinimap && <MiniMap pannable zoomable nodeColor={minimapColor} data-testid="minimap" style={MINIMAP} />}
        <Controls />
        {overview && <Overview body={body} boxes={overviewBoxes} selected={selected} />}
      </ReactFlow>
      <WarningChip />
      {opening && <div className="tc-veil" data-testid="opening">Opening model…</div>}
    </div>
  );
}
