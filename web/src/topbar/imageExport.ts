// Export the diagram as PNG or SVG by rendering the React Flow viewport with html-to-image.
import { getViewportForBounds, type Rect } from "@xyflow/react";
import { toPng, toSvg } from "html-to-image";
import { downloadBlob } from "../api/client";

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
