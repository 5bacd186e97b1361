// A node's size on the canvas before it is drawn, from what it will show (its name and type,
// the key params' lines), for laying out a document that is not on screen yet (a template
// opened from Quick start). The figures are styles.css .tc-node's, measured in Chromium:
// a node with no params line is 54 px tall, and each wrapped line of params adds about 15 px.
import { Position } from "@xyflow/react";
import type { GraphNode, LayerSpec, ModuleDef } from "../api/types";
import { NODE_W } from "../graph/layout";
import { nodePorts } from "../graph/ports";
import type { Estimate } from "./useFlowElements";
import { keyParamTexts } from "./LayerNode";

/** The width inside a node's padding and border. */
const INNER = NODE_W - 22;
const MONO_CH = 6.6; // 11 px monospace
const TITLE_CH = 7.2; // 12 px bold
const TYPE_CH = 6.2; // 11 px
const GAP = 8;
const LINE = 15.33;
const BASE = 54; // border, padding, the head's line and the foot (shape and params count)
const INPUT = 60; // the input node: its head and the shape field

/** How many lines the params take once wrapped as the flex row wraps them (each one whole). */
export function paramLines(texts: string[]): number {
  let lines = 0, used = 0;
  for (const t of texts) {
    const w = Math.min(INNER, t.length * MONO_CH);
    if (lines === 0 || used + GAP + w > INNER) (lines++, (used = w));
    else used += GAP + w;
  }
  return lines;
}

/** The estimated size of `node` as LayerNode / IoNodes draw it. */
export function estimateNodeSize(node: GraphNode, layers: Record<string, LayerSpec> | undefined): { width: number; height: number } {
  if (node.kind === "input") return { width: NODE_W, height: INPUT };
  const title = node.name || node.id;
  const type = node.kind === "layer" ? node.type : node.kind === "module" ? `◆ ${node.module}` : "Output";
  const headLines = title.length * TITLE_CH + GAP + type.length * TYPE_CH > INNER ? 2 : 1;
  const spec = node.kind === "layer" ? layers?.[node.type] : undefined;
  const lines = node.kind === "layer" && spec ? paramLines(keyParamTexts(spec, node.params, undefined)) : 0;
  return { width: NODE_W, height: Math.round(BASE + (headLines - 1) * LINE + (lines ? 3 + lines * LINE : 0)) };
}

/** A sizeOf for graph/layout's autoLayout over `nodes`. */
export function estimatedSizes(nodes: GraphNode[], layers: Record<string, LayerSpec> | undefined): (id: string) => { width: number; height: number } | undefined {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (id) => {
    const n = byId.get(id);
    return n ? estimateNodeSize(n, layers) : undefined;
  };
}

/** styles.css .tc-handle: 10 px, centred on the node's top or bottom border. */
const HANDLE = 10;

/**
 * A React Flow node's estimated `measured` size and `handles` (where Ports.tsx PortRow puts
 * them: spread evenly along the top and bottom), for a node not drawn yet (useFlowNodes).
 */
export function estimateFlowNode(layers: Record<string, LayerSpec> | undefined, modules: ModuleDef[]): Estimate {
  return (n) => {
    const { width, height } = estimateNodeSize(n, layers);
    const { inputs, outputs } = nodePorts(n, layers, modules);
    const row = (ids: string[], type: "target" | "source") =>
      ids.map((id, i) => ({
        id,
        type,
        position: type === "target" ? Position.Top : Position.Bottom,
        x: ((i + 1) / (ids.length + 1)) * width - HANDLE / 2,
        y: type === "target" ? -HANDLE / 2 : height - HANDLE / 2,
        width: HANDLE,
        height: HANDLE,
      }));
    return { measured: { width, height }, handles: [...row(inputs, "target"), ...row(outputs, "source")] };
  };
}
