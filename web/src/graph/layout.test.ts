// Auto-layout of the examples with skip connections: no node overlaps another, and no shape
// label (where the editor draws it: canvas/route.ts) covers a node.
import { describe, expect, it, vi } from "vitest";
import type { Body } from "../api/types";
import { edgeEnds, labelAt, labelBox, lanes, nodeBoxes, overlaps, type Box } from "../canvas/route";
import { autoLayout, edgePorts } from "./layout";

import lenet from "../../../examples/seed_lenet_bn.json";
import nested from "../../../examples/nested_blocks.json";
import resnet from "../../../examples/resnet_basic_block.json";
import transformer from "../../../examples/transformer_encoder.json";
import unet from "../../../examples/unet_tiny.json";

// ELK's first layout loads and compiles 1.5 MB of JavaScript: seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const EXAMPLES: Record<string, unknown> = {
  resnet_basic_block: resnet,
  unet_tiny: unet,
  transformer_encoder: transformer,
  nested_blocks: nested,
  seed_lenet_bn: lenet,
};
const example = (name: string): Body => structuredClone(EXAMPLES[name]) as Body;
const noSize = () => undefined;

async function laid(name: string, view?: { width: number; height: number }): Promise<Body> {
  const body = example(name);
  const pos = await autoLayout(body, undefined, view);
  return { ...body, nodes: body.nodes.map((n) => ({ ...n, position: pos[n.id] })) };
}

/** Points along an edge as drawn: its lane's corners, or its straight run sampled. */
function samples(sx: number, sy: number, tx: number, ty: number, lane: number | null): [number, number][] {
  if (lane === null) expect(ty).toBeGreaterThan(sy); // only a downward edge runs straight
  if (lane === null) return Array.from({ length: 21 }, (_, i) => [sx + ((tx - sx) * i) / 20, sy + ((ty - sy) * i) / 20]);
  const corners: [number, number][] = [[sx, sy + 14], [lane, sy + 14], [lane, ty - 14], [tx, ty - 14]];
  const out: [number, number][] = [];
  for (let k = 0; k < corners.length - 1; k++)
    for (let i = 0; i <= 20; i++)
      out.push([corners[k][0] + ((corners[k + 1][0] - corners[k][0]) * i) / 20, corners[k][1] + ((corners[k + 1][1] - corners[k][1]) * i) / 20]);
  return out;
}

const NAMES = ["resnet_basic_block", "unet_tiny", "transformer_encoder", "nested_blocks", "seed_lenet_bn"];
// Without a view: one layered column; with a small one: wrapped into side-by-side columns.
const CASES = [...NAMES.map((n) => [n, undefined] as const), ...NAMES.map((n) => [n, { width: 1000, height: 640 }] as const)];

describe.each(CASES)("auto-layout of %s in view %o", (name, view) => {
  it("places every node, and no two node boxes overlap", async () => {
    const body = await laid(name, view);
    const boxes = [...nodeBoxes(body, noSize).values()];
    expect(boxes.length).toBe(example(name).nodes.length);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i], boxes[j]), `${body.nodes[i].id} / ${body.nodes[j].id}`).toBe(false);
  });

  it("keeps every shape label and every edge off the nodes it does not connect", async () => {
    const body = await laid(name, view);
    const ports = edgePorts(body);
    const boxes = nodeBoxes(body, noSize);
    const ends = edgeEnds(body, noSize, ports);
    const ls = lanes(body, noSize, ports);
    ends.forEach((e, i) => {
      const { x, y } = labelAt(e, ls[i]);
      for (const [id, b] of boxes) {
        expect(overlaps(labelBox(x, y), b), `label of ${e.source}->${e.target} over ${id}`).toBe(false);
        if (id === e.source || id === e.target) continue;
        const inside = samples(e.sx, e.sy, e.tx, e.ty, ls[i]).some(([px, py]) => overlaps({ x: px, y: py, w: 0.1, h: 0.1 }, b as Box));
        expect(inside, `edge ${e.source}->${e.target} behind ${id}`).toBe(false);
      }
    });
  });
});

it("lays a skip connection beside the path it skips, not behind it", async () => {
  const body = await laid("resnet_basic_block");
  const at = (id: string) => body.nodes.find((n) => n.id === id)!.position;
  // relu -> block1_add is the identity; the block's conv path is pushed aside of its straight run.
  const ports = edgePorts(body);
  const skip = edgeEnds(body, noSize, ports).find((e) => e.source === "relu" && e.target === "block1_add")!;
  const conv = { ...at("block1_conv1"), w: 200 };
  expect(skip.sx < conv.x || skip.sx > conv.x + conv.w).toBe(true);
});

it("wraps a long chain into columns for a small view, each column break one edge up through the gap", async () => {
  const body = await laid("seed_lenet_bn", { width: 1000, height: 640 });
  const ends = edgeEnds(body, noSize, edgePorts(body));
  const up = ends.filter((e) => e.ty < e.sy);
  expect(up.length).toBeGreaterThanOrEqual(1);
  const ls = lanes(body, noSize, edgePorts(body));
  for (const e of up) expect(ls[ends.indexOf(e)]).not.toBeNull();
  // The ResNet block is never split: its skip and its conv path stay in one column.
  const resnet = await laid("resnet_basic_block", { width: 1000, height: 640 });
  const x = (id: string) => resnet.nodes.find((n) => n.id === id)!.position.x;
  expect(Math.abs(x("relu") - x("block1_add"))).toBeLessThan(200);
  expect(Math.abs(x("block1_conv1") - x("block1_bn2"))).toBeLessThan(200);
});
