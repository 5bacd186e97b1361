// Export the diagram as PNG or SVG by rendering the React Flow viewport with html-to-image.
import { getViewportForBounds, type Rect } from "@xyflow/react";
import { toPng, toSvg } from "html-to-image";
import { downloadBlob } from "../api/client";

/** A small PNG of the whole diagram for My models (skipped for very large graphs: it is slow). */
export async function thumbnail(count: number, bounds: Rect): Promise<string | null> {
  const viewport = document.querySelector<HTMLElement>(".react-flow__viewport");
  if (!viewport || count === 0 || count > 300) return null;
  const width = 320, height = 200;
  let vp = getViewportForBounds(bounds, width, height, 0.02, 1, 0.1);
  // A tall model (one long column) would be a sliver: show its top (the input side) at a zoom
  // where the nodes can still be told apart, centred across.
  const minZoom = Math.min(0.25, (width * 0.9) / bounds.width);
  if (vp.zoom < minZoom) {
    const zoom = minZoom;
    vp = { zoom, x: width / 2 - (bounds.x + bounds.width / 2) * zoom, y: 10 - bounds.y * zoom };
  }
  const url = await toPng(viewport, {
    backgroundColor: "#ffffff",
    width,
    height,
    pixelRatio: 1,
    style: { width: `${width}px`, height: `${height}px`, transform: `translate(${vp.x}px, ${vp.y}px) scale(${vp.zoom})` },
  });
  return url.length < 200_000 ? url : null;
}

export async function exportImage(kind: "png" | "svg", count: number, bounds: Rect, name: string): Promise<void> {
  const viewport = document.querySelector<HTMLElement>(".react-flow__viewport");
  if (!viewport || count === 0) return;
  const pad = 40;
  const width = Math.min(8000, bounds.width + pad * 2), height = Math.min(8000, bounds.height + pad * 2);
  const vp = getViewportForBounds(bounds, width, height, 0.05, 2, 0.05);
  const options = {
    backgroundColor: "#ffffff",
    width,
    height,
    style: { width: `${width}px`, height: `${height}px`, transform: `translate(${vp.x}px, ${vp.y}px) scale(${vp.zoom})` },
  };
  const url = kind === "png" ? await toPng(viewport, options) : await toSvg(viewport, options);
  downloadBlob(await (await fetch(url)).blob(), `${name}.${kind}`);
}
