import { beforeEach, describe, expect, it } from "vitest";
import type { Graph } from "../api/types";
import { addLayer, loadDocument } from "./actions";
import { emptyGraph, useDoc } from "./doc";
import { redo, undo } from "./history";
import { confirmReplace, replaceDocument, useDiscard } from "./replace";

const template: Partial<Graph> = { name: "Template", nodes: [{ id: "t", kind: "input", shape: ["B", 4], position: { x: 0, y: 0 } }], edges: [] };
const flush = () => new Promise((r) => setTimeout(r, 0));

/** Answer the dialog once it asks. */
async function answer(choice: "save" | "discard" | "cancel") {
  await flush();
  const q = useDiscard.getState().question;
  expect(q).not.toBeNull();
  q!.answer(choice);
}

beforeEach(() => {
  useDiscard.setState({ question: null });
  loadDocument(emptyGraph("Mine"), "7");
});

describe("replacing the open document", () => {
  it("asks nothing when there are no unsaved edits", async () => {
    expect(await confirmReplace("a blank model")).toBe(true);
    expect(useDiscard.getState().question).toBeNull();
  });

  it("asks before unsaved edits are lost, saying what is lost; Cancel keeps them", async () => {
    addLayer("ReLU", { x: 0, y: 0 });
    const mine = useDoc.getState().doc;
    const done = replaceDocument(template, "the template “T”");
    await flush();
    expect(useDiscard.getState().question).toMatchObject({ what: "the template “T”", name: "Mine", nodes: 3, saved: true });
    await answer("cancel");
    expect(await done).toBe(false);
    expect(useDoc.getState().doc).toBe(mine);
    expect(useDiscard.getState().question).toBeNull();
  });

  it("Discard replaces it, and Undo brings it back as the model it was; Redo the replacement", async () => {
    addLayer("ReLU", { x: 0, y: 0 });
    const mine = useDoc.getState().doc;
    const done = replaceDocument(template, "the template “T”");
    await answer("discard");
    expect(await done).toBe(true);
    expect(useDoc.getState()).toMatchObject({ modelId: null, dirty: false });
    expect(useDoc.getState().doc.name).toBe("Template");
    undo();
    expect(useDoc.getState().doc).toBe(mine);
    expect(useDoc.getState().modelId).toBe("7"); // Save saves it where it came from
    redo();
    expect(useDoc.getState().doc.name).toBe("Template");
    expect(useDoc.getState().modelId).toBeNull();
  });
});
