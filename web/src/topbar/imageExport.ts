// Export the diagram as SVG (drawn from the document: canvas/diagram.ts) or as PNG (that SVG
// rasterised). My models' thumbnails are drawn by the server from the graph (market/thumbnail.py).
import { downloadBlob } from "../api/client";
import { categoryColor, IO_COLOR, MODULE_COLOR } from "../canvas/colors";
import { diagramSvg, type Diagram, type DiagramEdge, type DiagramNode } from "../canvas/diagram";
import { keyParamTexts } from "../canvas/LayerNode";
import { formatShape } from "../graph/format";
import { NODE_H, NODE_W } from "../graph/layout";
import { nodePorts } from "../graph/ports";
import { useCatalog } from "../store/catalog";
import { useCheck } from "../store/check";
import { currentBody, useDoc } from "../store/doc";

/** The open body as diagram nodes and edges: positions from the document, sizes as measured on the canvas. */
export function diagramOfOpenBody(sizeOf: (id: string) => { width?: number; height?: number } | undefined): Diagram {
  const s = useDoc.getState();
  const body = currentBody(s);
  const result = useCheck.getState().result;
  const results = (s.path === null ? result?.nodes : result?.modules?.[s.path]) ?? {};
  const layers = useCatalog.getState().catalog?.layers;
  const nodes: DiagramNode[] = body.nodes.map((n) => {
    const r = results[n.id];
    const ports = nodePorts(n, layers, s.doc.modules);
    const spec = n.kind === "layer" ? layers?.[n.type] : undefined;
    const size = sizeOf(n.id);
    const shape =
      n.kind === "input" ? formatShape(n.shape) : n.kind === "output" ? formatShape(r?.inputs?.in) : formatShape(ports.outputs[0] ? r?.outputs?.[ports.outputs[0]] : undefined);
    return {
      id: n.id,
      x: n.position.x,
      y: n.position.y,
      w: size?.width ?? NODE_W,
      h: size?.height ?? NODE_H,
      title: n.name || n.id,
      type: n.kind === "layer" ? n.type : n.kind === "module" ? `◆ ${n.module}` : n.kind === "input" ? "Input" : "Output",
      color: n.kind === "module" ? MODULE_COLOR : n.kind === "layer" ? categoryColor(spec?.category) : IO_COLOR,
      params: n.kind === "layer" && spec ? keyParamTexts(spec, n.params, r?.inferred) : [],
      shape,
      error: r?.errors?.[0]?.message,
      inputs: ports.inputs,
      outputs: ports.outputs,
    };
  });
  const edges: DiagramEdge[] = body.edges.map((e) => ({
    source: e.source.node,
    sourcePort: e.source.port,
    target: e.target.node,
    targetPort: e.target.port,
    label: formatShape(results[e.source.node]?.outputs?.[e.source.port]),
  }));
  return diagramSvg(nodes, edges);
}

/** The SVG rasterised at `scale` (2: sharp on a high-density screen), on white. */
export async function svgToPng(d: Diagram, scale = 2): Promise<Blob> {
  const k = Math.min(scale, 16000 / Math.max(d.width, d.height, 1));
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(d.svg)}`;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(d.width * k);
  canvas.height = Math.round(d.height * k);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("this browser cannot draw on a canvas");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the PNG could not be encoded"))), "image/png"));
}

/** Download the open body's diagram: a real SVG (paths and text), or the PNG drawn from it. */
export async function exportImage(kind: "png" | "svg", name: string, sizeOf: (id: string) => { width?: number; height?: number } | undefined): Promise<void> {
  const d = diagramOfOpenBody(sizeOf);
  if (!currentBody(useDoc.getState()).nodes.length) return;
  const blob = kind === "svg" ? new Blob([d.svg], { type: "image/svg+xml" }) : await svgToPng(d);
  downloadBlob(blob, `${name}.${kind}`);
}
