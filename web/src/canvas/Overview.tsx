// The overview of a big graph, far out: ONE <canvas> with a box per node and a line per edge,
// instead of a thousand React Flow nodes in the DOM. Below OVERVIEW_ZOOM the canvas hides the
// flow nodes (they stay in the flow, so fit view and the minimap still know them) and draws this.
// It redraws on every viewport change from React Flow's store, outside React: a frame costs a
// thousand rects and lines.
import { useStoreApi } from "@xyflow/react";
import { useEffect, useMemo, useRef } from "react";
import type { Body } from "../api/types";
import { NODE_W } from "../graph/layout";
import { nodePorts } from "../graph/ports";
import { useCatalog } from "../store/catalog";
import { useCheck } from "../store/check";
import { useDoc } from "../store/doc";
import { categoryColor, IO_COLOR, MODULE_COLOR } from "./colors";

/** The pale fill of a box in a category colour ("hsl(250 50% 48%)" -> "hsl(250 50% 88%)"). */
const tint = (color: string) => color.replace(/^hsl\((\d+) (\d+)% \d+%\)$/, "hsl($1 $2% 88%)");

/** A far-out node box is this tall (styles.css .tc-node-box) unless it was measured. */
const BOX_H = 64;

export interface OverviewBox { id: string; x: number; y: number; w: number; h: number }

/** The node under a flow point, for a click on the overview. */
export function boxAt(boxes: OverviewBox[], x: number, y: number): string | null {
  for (let i = boxes.length - 1; i >= 0; i--) {
    const b = boxes[i];
    if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) return b.id;
  }
  return null;
}

export function useOverviewBoxes(body: Body, sizeOf: (id: string) => { width: number; height: number } | undefined, version: number): OverviewBox[] {
  return useMemo(
    () => body.nodes.map((n) => ({ id: n.id, x: n.position.x, y: n.position.y, w: sizeOf(n.id)?.width ?? NODE_W, h: sizeOf(n.id)?.height ?? BOX_H })),
    // version: the (mutable) sizes behind sizeOf changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [body.nodes, version],
  );
}

export function Overview({ body, boxes, selected }: { body: Body; boxes: OverviewBox[]; selected: Record<string, true> }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const store = useStoreApi();
  const layers = useCatalog((s) => s.catalog?.layers);
  const modules = useDoc((s) => s.doc.modules);
  const path = useDoc((s) => s.path);
  const results = useCheck((s) => (path === null ? s.result?.nodes : s.result?.modules?.[path]));

  // What to draw, in flow coordinates: rects by colour (one fillStyle change per colour), the
  // edges as one path, errors and the selection as outlines.
  const scene = useMemo(() => {
    const byId = new Map(boxes.map((b) => [b.id, b]));
    const fills = new Map<string, OverviewBox[]>();
    const errors: OverviewBox[] = [], picked: OverviewBox[] = [];
    body.nodes.forEach((n, i) => {
      const b = boxes[i];
      const color =
        n.kind === "layer" ? categoryColor(layers?.[n.type]?.category) : n.kind === "module" ? MODULE_COLOR : IO_COLOR;
      fills.set(color, [...(fills.get(color) ?? []), b]);
      if (results?.[n.id]?.errors?.length) errors.push(b);
      if (selected[n.id]) picked.push(b);
    });
    const nodeById = new Map(body.nodes.map((n) => [n.id, n]));
    const lines: number[] = [];
    for (const e of body.edges) {
      const s = byId.get(e.source.node), t = byId.get(e.target.node);
      const sn = nodeById.get(e.source.node), tn = nodeById.get(e.target.node);
      if (!s || !t || !sn || !tn) continue;
      const outs = nodePorts(sn, layers, modules).outputs, ins = nodePorts(tn, layers, modules).inputs;
      const at = (b: OverviewBox, names: string[], port: string) => b.x + ((Math.max(0, names.indexOf(port)) + 1) / (names.length + 1)) * b.w;
      lines.push(at(s, outs, e.source.port), s.y + s.h, at(t, ins, e.target.port), t.y);
    }
    return { fills: [...fills], errors, picked, lines, checked: !!results };
  }, [body, boxes, layers, modules, results, selected]);

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    let frame = 0;
    const draw = () => {
      frame = 0;
      const { transform, width, height } = store.getState();
      const dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
        canvas.width = Math.round(width * dpr);
        canvas.height = Math.round(height * dpr);
      }
      const ctx = canvas.getContext("2d");
      if (!ctx) return;
      const [tx, ty, k] = transform;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * tx, dpr * ty);
      // Only what is on screen (a pan far along a deep column shows a few hundred of a thousand).
      const x0 = -tx / k, y0 = -ty / k, x1 = x0 + width / k, y1 = y0 + height / k;
      const seen = (b: OverviewBox) => b.x < x1 && b.x + b.w > x0 && b.y < y1 && b.y + b.h > y0;
      ctx.beginPath();
      const l = scene.lines;
      for (let i = 0; i < l.length; i += 4) {
        if (Math.max(l[i], l[i + 2]) < x0 || Math.min(l[i], l[i + 2]) > x1 || Math.max(l[i + 1], l[i + 3]) < y0 || Math.min(l[i + 1], l[i + 3]) > y1) continue;
        ctx.moveTo(l[i], l[i + 1]);
        ctx.lineTo(l[i + 2], l[i + 3]);
      }
      ctx.strokeStyle = "#94a3b8";
      ctx.lineWidth = 1.5 / k;
      ctx.stroke();
      for (const [color, bs] of scene.fills) {
        ctx.fillStyle = tint(color);
        ctx.beginPath();
        for (const b of bs) if (seen(b)) ctx.rect(b.x, b.y, b.w, b.h);
        ctx.fill();
        ctx.fillStyle = color;
        ctx.beginPath();
        for (const b of bs) if (seen(b)) ctx.rect(b.x, b.y, b.w, Math.max(3, 3 / k));
        ctx.fill();
      }
      const outline = (bs: OverviewBox[], color: string) => {
        if (!bs.length) return;
        ctx.strokeStyle = color;
        ctx.lineWidth = 2 / k;
        ctx.beginPath();
        for (const b of bs) if (seen(b)) ctx.rect(b.x, b.y, b.w, b.h);
        ctx.stroke();
      };
      outline(scene.errors, "#dc2626");
      outline(scene.picked, "#2563eb");
      canvas.dataset.nodes = String(boxes.length);
      canvas.dataset.checked = scene.checked ? "1" : "0";
    };
    draw();
    // Redraw at most once a frame, whatever the number of store updates in it.
    const unsubscribe = store.subscribe((s, prev) => {
      if ((s.transform !== prev.transform || s.width !== prev.width || s.height !== prev.height) && !frame) frame = requestAnimationFrame(draw);
    });
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [scene, store, boxes.length]);

  return <canvas ref={ref} className="tc-overview" data-testid="overview" />;
}
