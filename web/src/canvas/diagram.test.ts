// @vitest-environment jsdom
// The exported diagram is a real SVG document: well-formed XML, a <path> per edge with an
// arrowhead, text for nodes and shape labels, and no HTML inside a foreignObject.
import { describe, expect, it, vi } from "vitest";
import resnet from "../../../examples/resnet_basic_block.json";
import type { Body } from "../api/types";
import { autoLayout, edgePorts, NODE_H, NODE_W } from "../graph/layout";
import { diagramSvg, type DiagramNode } from "./diagram";

// ELK's first layout loads and compiles 1.5 MB of JavaScript: seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

function diagramOf(body: Body, error?: string) {
  const ports = edgePorts(body);
  const nodes: DiagramNode[] = body.nodes.map((n) => ({
    id: n.id,
    x: n.position.x,
    y: n.position.y,
    w: NODE_W,
    h: NODE_H,
    title: n.name || n.id,
    type: n.kind === "layer" ? n.type : n.kind,
    color: "hsl(250 50% 48%)",
    params: ["kernel_size=3"],
    shape: "(B, 16, 32, 32)",
    error: n.id === "fc" ? error : undefined,
    ...ports(n.id),
  }));
  const edges = body.edges.map((e) => ({ source: e.source.node, sourcePort: e.source.port, target: e.target.node, targetPort: e.target.port, label: "(B, 16, 32, 32)" }));
  return diagramSvg(nodes, edges);
}

const parse = (svg: string) => new DOMParser().parseFromString(svg, "image/svg+xml");

describe("diagramSvg", () => {
  it("is well-formed SVG with a path and a shape label per edge and no foreignObject", async () => {
    const body = structuredClone(resnet) as Body;
    const pos = await autoLayout(body);
    const laid = { ...body, nodes: body.nodes.map((n) => ({ ...n, position: pos[n.id] })) };
    const d = diagramOf(laid, 'in_features=400 but the input has 256 features <B, 256> & "more"');
    const doc = parse(d.svg);
    expect(doc.getElementsByTagName("parsererror")).toHaveLength(0);
    const root = doc.documentElement;
    expect(root.tagName).toBe("svg");
    expect(root.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(Number(root.getAttribute("width"))).toBe(d.width);
    expect(doc.getElementsByTagName("foreignObject")).toHaveLength(0);
    const paths = [...doc.querySelectorAll("path.tc-edge")];
    expect(paths).toHaveLength(body.edges.length);
    for (const p of paths) {
      expect(p.getAttribute("d")).toMatch(/^M [-\d.]+ [-\d.]+ /);
      expect(p.getAttribute("marker-end")).toBe("url(#tc-arrow)");
    }
    expect(doc.querySelector("marker#tc-arrow path")).not.toBeNull();
    expect(doc.querySelectorAll("g.tc-node")).toHaveLength(body.nodes.length);
    const labels = [...doc.querySelectorAll("g.tc-edge-label text")].map((t) => t.textContent);
    expect(labels).toHaveLength(body.edges.length);
    expect(new Set(labels)).toEqual(new Set(["(B, 16, 32, 32)"]));
    const titles = [...doc.querySelectorAll("g.tc-node > text")].map((t) => t.textContent);
    expect(titles).toContain("conv1");
    // The error's full text survives escaping, as the node's tooltip.
    expect(doc.querySelector('g.tc-node[data-id="fc"] > title')?.textContent).toBe('in_features=400 but the input has 256 features <B, 256> & "more"');
    // Every node lies inside the drawing.
    const [vx, vy, vw, vh] = root.getAttribute("viewBox")!.split(" ").map(Number);
    for (const n of laid.nodes) {
      expect(n.position.x).toBeGreaterThanOrEqual(vx);
      expect(n.position.y).toBeGreaterThanOrEqual(vy);
      expect(n.position.x + NODE_W).toBeLessThanOrEqual(vx + vw);
      expect(n.position.y + NODE_H).toBeLessThanOrEqual(vy + vh);
    }
  });

  it("routes a skip connection drawn behind a column of nodes around them, its label beside them", () => {
    const body = structuredClone(resnet) as Body;
    body.nodes.forEach((n, i) => (n.position = { x: 0, y: i * 140 }));
    const doc = parse(diagramOf(body).svg);
    const skip = doc.querySelector('path.tc-edge[data-source="relu"][data-target="block1_add"]')!;
    expect(skip.getAttribute("d")).toContain(" Q "); // right angles with rounded corners
    const xs = skip.getAttribute("d")!.match(/-?\d+(\.\d+)?/g)!.map(Number).filter((_, i) => i % 2 === 0);
    expect(Math.max(...xs) > NODE_W || Math.min(...xs) < 0).toBe(true);
  });
});
