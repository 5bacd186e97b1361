// The diagram as a standalone SVG document, drawn from the graph and the laid-out node boxes (not
// by serialising the page): a rect and text per node, a path with an arrowhead per edge (routed
// like the canvas draws it, canvas/route.ts) and each edge's shape label. It opens in a browser
// and in Inkscape, and the PNG export is this SVG rasterised.
import { LABEL_H } from "../graph/layout";
import { bezierPath, laneFor, lanePath, type Box } from "./route";

export interface DiagramNode {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  type: string;
  color: string;
  /** Key params, one `name=value` each. */
  params: string[];
  /** The output shape as the canvas shows it ("(B, 16, 5, 5)"), or "". */
  shape: string;
  /** The first error, if any (drawn cut short; the full text is the element's <title>). */
  error?: string;
  inputs: string[];
  outputs: string[];
}
export interface DiagramEdge { source: string; sourcePort: string; target: string; targetPort: string; label: string }
export interface Diagram { svg: string; width: number; height: number }

const PAD = 24;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const SANS = "Inter, 'Segoe UI', Helvetica, Arial, sans-serif";
const MONO = "'DejaVu Sans Mono', Menlo, Consolas, monospace";
/** Width of monospace text at `px` (0.6 em a character), for label boxes. */
const monoWidth = (s: string, px: number) => s.length * px * 0.6;
/** `s` cut to fit `width` px of `px` sans text (about 0.55 em a character), with an ellipsis. */
function fit(s: string, width: number, px: number): string {
  const max = Math.max(1, Math.floor(width / (px * 0.55)));
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function nodeSvg(n: DiagramNode): string {
  const parts: string[] = [];
  const tooltip = n.error ? `<title>${esc(n.error)}</title>` : "";
  parts.push(`<g class="tc-node" data-id="${esc(n.id)}">${tooltip}`);
  parts.push(`<rect x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="6" fill="#ffffff" stroke="${n.error ? "#dc2626" : "#cbd5e1"}" stroke-width="${n.error ? 2 : 1}"/>`);
  parts.push(`<rect x="${n.x + 1}" y="${n.y}" width="${n.w - 2}" height="3" rx="1.5" fill="${esc(n.color)}"/>`);
  let y = n.y + 19;
  parts.push(`<text x="${n.x + 10}" y="${y}" font-family="${SANS}" font-size="12" font-weight="600" fill="#0f172a">${esc(fit(n.title, n.w * 0.55, 12))}</text>`);
  parts.push(`<text x="${n.x + n.w - 10}" y="${y}" font-family="${SANS}" font-size="10" fill="#64748b" text-anchor="end">${esc(fit(n.type, n.w * 0.4, 10))}</text>`);
  if (n.params.length) {
    y += 15;
    parts.push(`<text x="${n.x + 10}" y="${y}" font-family="${MONO}" font-size="10" fill="#334155">${esc(fit(n.params.join("  "), n.w - 20, 10))}</text>`);
  }
  if (n.shape) {
    y += 15;
    parts.push(`<text x="${n.x + 10}" y="${y}" font-family="${MONO}" font-size="10" fill="#0f766e">${esc(n.shape)}</text>`);
  }
  if (n.error) {
    y += 15;
    parts.push(`<text x="${n.x + 10}" y="${Math.min(y, n.y + n.h - 6)}" font-family="${SANS}" font-size="10" fill="#dc2626">${esc(fit(n.error, n.w - 20, 10))}</text>`);
  }
  parts.push("</g>");
  return parts.join("");
}

/** The SVG document of `nodes` and `edges` (flow coordinates, moved so that the drawing starts at PAD). */
export function diagramSvg(nodes: DiagramNode[], edges: DiagramEdge[]): Diagram {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const handleX = (n: DiagramNode, names: string[], port: string) =>
    n.x + ((Math.max(0, names.indexOf(port)) + 1) / (Math.max(names.length, 1) + 1)) * n.w;
  const boxes: Box[] = nodes.map((n) => ({ x: n.x, y: n.y, w: n.w, h: n.h }));
  const drawn = edges.flatMap((e) => {
    const s = byId.get(e.source), t = byId.get(e.target);
    if (!s || !t) return [];
    const sx = handleX(s, s.outputs, e.sourcePort), sy = s.y + s.h;
    const tx = handleX(t, t.inputs, e.targetPort), ty = t.y;
    const others = boxes.filter((_, i) => nodes[i] !== s && nodes[i] !== t);
    const lane = laneFor(sx, sy, tx, ty, others, [boxes[nodes.indexOf(s)], boxes[nodes.indexOf(t)]]);
    // End the path at the arrowhead's base; the marker's tip then touches the target's top.
    const path = lane === null ? bezierPath(sx, sy, tx, ty - 4) : lanePath(sx, sy, tx, ty - 4, lane);
    return [{ e, path, lx: lane ?? (sx + tx) / 2, ly: (sy + ty) / 2, lane }];
  });
  const xs = [...nodes.flatMap((n) => [n.x, n.x + n.w]), ...drawn.flatMap((d) => [d.lx - monoWidth(d.e.label, 10) / 2 - 5, d.lx + monoWidth(d.e.label, 10) / 2 + 5])];
  const ys = [...nodes.flatMap((n) => [n.y, n.y + n.h]), ...drawn.map((d) => d.ly)];
  // A lane that turns above a column (an edge back up) reaches 14 px above its target.
  const x0 = Math.min(...xs, 0) - PAD, y0 = Math.min(...ys, 0) - PAD - 16;
  const width = Math.ceil(Math.max(...xs, 0) - x0 + PAD), height = Math.ceil(Math.max(...ys, 0) - y0 + PAD);
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${x0} ${y0} ${width} ${height}">`,
    `<defs><marker id="tc-arrow" viewBox="0 0 10 10" refX="6" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 1 L 8 5 L 0 9 z" fill="#64748b"/></marker></defs>`,
    `<rect x="${x0}" y="${y0}" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<g class="tc-edges" fill="none" stroke="#94a3b8" stroke-width="1.5">`,
    ...drawn.map((d) => `<path class="tc-edge" data-source="${esc(d.e.source)}" data-target="${esc(d.e.target)}" d="${d.path}" marker-end="url(#tc-arrow)"/>`),
    `</g>`,
    `<g class="tc-nodes">`,
    ...nodes.map(nodeSvg),
    `</g>`,
    // Labels last: over the edges they name (they never cover a node: route.ts keeps them clear).
    `<g class="tc-edge-labels">`,
    ...drawn
      .filter((d) => d.e.label)
      .map((d) => {
        const w = monoWidth(d.e.label, 10) + 10;
        return (
          `<g class="tc-edge-label"><rect x="${d.lx - w / 2}" y="${d.ly - LABEL_H / 2 + 2}" width="${w}" height="${LABEL_H - 4}" rx="3" fill="#ffffff" stroke="#cbd5e1"/>` +
          `<text x="${d.lx}" y="${d.ly + 3.5}" font-family="${MONO}" font-size="10" fill="#0f766e" text-anchor="middle">${esc(d.e.label)}</text></g>`
        );
      }),
    `</g>`,
    `</svg>`,
  ];
  return { svg: out.join("\n"), width, height };
}
