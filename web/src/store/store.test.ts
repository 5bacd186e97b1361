import { beforeEach, describe, expect, it } from "vitest";
import type { Graph } from "../api/types";
import { addLayer, connect, deleteSelection, loadDocument, select, setParam } from "./actions";
import { copy, duplicate, paste } from "./clipboard";
import { currentBody, useDoc } from "./doc";
import { redo, undo } from "./history";
import { groupSelection, openModule, renameModule, ungroup } from "./modules";

const p = { x: 0, y: 0 };
const chain: Partial<Graph> = {
  name: "T",
  nodes: [
    { id: "x", kind: "input", shape: ["B", 8], position: p },
    { id: "fc1", kind: "layer", type: "Linear", params: { out_features: 16 }, position: { x: 0, y: 100 } },
    { id: "act", kind: "layer", type: "ReLU", params: {}, position: { x: 0, y: 200 } },
    { id: "fc2", kind: "layer", type: "Linear", params: { out_features: 2 }, position: { x: 0, y: 300 } },
    { id: "y", kind: "output", position: { x: 0, y: 400 } },
  ],
  edges: [
    { source: { node: "x", port: "out" }, target: { node: "fc1", port: "in" } },
    { source: { node: "fc1", port: "out" }, target: { node: "act", port: "in" } },
    { source: { node: "act", port: "out" }, target: { node: "fc2", port: "in" } },
    { source: { node: "fc2", port: "out" }, target: { node: "y", port: "in" } },
  ],
};
const doc = () => useDoc.getState().doc;

beforeEach(() => loadDocument(structuredClone(chain)));

describe("history", () => {
  it("undo and redo walk the document history", () => {
    const before = doc();
    setParam("fc1", "out_features", 32);
    const after = doc();
    expect(after.nodes[1]).toMatchObject({ params: { out_features: 32 } });
    undo();
    expect(doc()).toBe(before);
    redo();
    expect(doc()).toBe(after);
  });
  it("a new edit clears the redo stack", () => {
    setParam("fc1", "out_features", 32);
    undo();
    addLayer("ReLU", p);
    expect(useDoc.getState().future).toHaveLength(0);
  });
  it("resetting a param removes it from the document", () => {
    setParam("fc1", "out_features", undefined);
    expect(doc().nodes[1]).toMatchObject({ params: {} });
  });
});

describe("editing", () => {
  it("connect replaces the edge on an input handle", () => {
    connect({ source: { node: "x", port: "out" }, target: { node: "fc2", port: "in" } });
    const into = doc().edges.filter((e) => e.target.node === "fc2");
    expect(into).toEqual([{ source: { node: "x", port: "out" }, target: { node: "fc2", port: "in" } }]);
  });
  it("delete removes the node and its edges", () => {
    select(["act"]);
    deleteSelection();
    expect(doc().nodes.map((n) => n.id)).toEqual(["x", "fc1", "fc2", "y"]);
    expect(doc().edges).toHaveLength(2);
  });
  it("copy/paste and duplicate give fresh ids and keep inner edges", () => {
    select(["fc1", "act"]);
    copy();
    paste();
    duplicate();
    const ids = doc().nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(9);
    expect(doc().edges).toHaveLength(6);
  });
});

describe("modules", () => {
  it("group into module creates a definition with an input and an output port", () => {
    select(["fc1", "act"]);
    const name = groupSelection();
    expect(name).toBe("Block1");
    const def = doc().modules[0];
    expect(def.nodes.filter((n) => n.kind === "input").map((n) => n.id)).toEqual(["in"]);
    expect(def.nodes.filter((n) => n.kind === "output").map((n) => n.id)).toEqual(["out"]);
    expect(def.edges).toHaveLength(3);
    const inst = doc().nodes.find((n) => n.kind === "module")!;
    expect(doc().edges).toContainEqual({ source: { node: "x", port: "out" }, target: { node: inst.id, port: "in" } });
    expect(doc().edges).toContainEqual({ source: { node: inst.id, port: "out" }, target: { node: "fc2", port: "in" } });
  });
  it("ungroup restores the original wiring", () => {
    select(["fc1", "act"]);
    groupSelection();
    const inst = doc().nodes.find((n) => n.kind === "module")!;
    ungroup(inst.id);
    const key = (g: Graph) => g.edges.map((e) => `${e.source.node}.${e.source.port}>${e.target.node}.${e.target.port}`).sort();
    expect(key(doc())).toEqual(key(chain as Graph));
  });
  it("editing an open definition edits the module, and rename follows every instance", () => {
    select(["fc1", "act"]);
    groupSelection();
    openModule("Block1");
    setParam("fc1", "out_features", 64);
    expect(currentBody(useDoc.getState()).nodes.find((n) => n.id === "fc1")).toMatchObject({ params: { out_features: 64 } });
    renameModule("Block1", "Encoder");
    expect(useDoc.getState().path).toBe("Encoder");
    expect(doc().nodes.find((n) => n.kind === "module")).toMatchObject({ module: "Encoder" });
    undo();
    undo();
    expect(doc().modules[0].nodes.find((n) => n.id === "fc1")).toMatchObject({ params: { out_features: 16 } });
  });
});
