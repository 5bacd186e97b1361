// Adding from the palette: a chain built with Enter reads top to bottom into the output.
import { beforeEach, describe, expect, it } from "vitest";
import { NODE_H } from "../graph/layout";
import { loadDocument, select } from "../store/actions";
import { currentBody, emptyGraph, useDoc } from "../store/doc";
import { undo } from "../store/history";
import { placeFromPalette } from "./place";

const pos = (id: string) => currentBody(useDoc.getState()).nodes.find((n) => n.id === id)!.position;
const layer = (type: string) => ({ kind: "layer" as const, type });

beforeEach(() => {
  // A new model, as the server makes it: x at the top, y 300 below.
  const g = emptyGraph("T");
  loadDocument({
    ...g,
    nodes: [
      { id: "x", kind: "input", shape: ["B", 3, 32, 32], position: { x: 0, y: 0 } },
      { id: "y", kind: "output", position: { x: 0, y: 300 } },
    ],
    edges: [],
  });
});

describe("placing from the palette", () => {
  it("the tour's chain x, Conv2d, Flatten, Linear lands above y, each below the one before", () => {
    const conv = placeFromPalette(layer("Conv2d"), { x: 0, y: 140 }).id;
    select([conv]);
    const flat = placeFromPalette(layer("Flatten"), { x: 0, y: 140 }).id; // selected: flat goes below conv
    const lin = placeFromPalette(layer("Linear"), { x: 0, y: 140 }).id; // flat is selected now
    const ys = ["x", conv, flat, lin, "y"].map((id) => pos(id).y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(NODE_H); // none overlaps
    const edges = currentBody(useDoc.getState()).edges.map((e) => `${e.source.node}->${e.target.node}`);
    expect(edges).toEqual([`${conv}->${flat}`, `${flat}->${lin}`]);
  });

  it("moving y is part of the add: one Undo puts it back", () => {
    const before = pos("y");
    const conv = placeFromPalette(layer("Conv2d"), { x: 0, y: 250 }).id;
    expect(pos("y").y).toBeGreaterThan(pos(conv).y);
    undo();
    expect(currentBody(useDoc.getState()).nodes.map((n) => n.id)).toEqual(["x", "y"]);
    expect(pos("y")).toEqual(before);
  });

  it("an output in another column stays where it is", () => {
    useDoc.setState((s) => ({ doc: { ...s.doc, nodes: s.doc.nodes.map((n) => (n.id === "y" ? { ...n, position: { x: 600, y: 0 } } : n)) } }));
    placeFromPalette(layer("ReLU"), { x: 0, y: 140 }).id;
    expect(pos("y")).toEqual({ x: 600, y: 0 });
  });
});
