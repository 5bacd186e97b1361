// @vitest-environment jsdom
// Opening a saved model through its URL (#/model/<id>, or Back/Forward) asks before it replaces
// edits made here; a draft restored untouched from storage loses nothing and is not asked about.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { SavedModel } from "../api/types";
import { addLayer, loadDocument } from "./actions";
import { emptyGraph, normalize, useDoc } from "./doc";
import { DRAFT_KEY, restoreDraft } from "./draft";
import { undo } from "./history";
import { openModel, openVersion } from "./persist";
import { useDiscard } from "./replace";

const saved: SavedModel = { id: "m2", name: "Other", version: 3, graph: emptyGraph("Other") };
const flush = () => new Promise((r) => setTimeout(r, 0));

async function answer(choice: "save" | "discard" | "cancel") {
  for (let i = 0; i < 5 && !useDiscard.getState().question; i++) await flush();
  const q = useDiscard.getState().question;
  expect(q).not.toBeNull();
  q!.answer(choice);
}

/** Navigate as a link or Back would: the hash changes, then the editor opens the model. */
function go(hash: string) {
  window.location.hash = hash;
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

beforeEach(() => {
  vi.spyOn(api.models, "get").mockResolvedValue(saved);
  useDiscard.setState({ question: null });
  localStorage.clear();
  go("#/model/m1");
  loadDocument(emptyGraph("Mine"), "m1", { version: 1 });
});
afterEach(() => vi.restoreAllMocks());

describe("opening a saved model by its URL", () => {
  it("opens at once when nothing was edited, and knows the version it opened", async () => {
    go("#/model/m2");
    await openModel("m2", false);
    expect(useDiscard.getState().question).toBeNull();
    expect(useDoc.getState()).toMatchObject({ modelId: "m2", version: 3, dirty: false });
    expect(useDoc.getState().doc.name).toBe("Other");
  });

  it("asks before edits made here are replaced; Cancel keeps them and puts the URL back", async () => {
    addLayer("ReLU", { x: 0, y: 0 });
    const mine = useDoc.getState().doc;
    go("#/model/m2");
    const done = openModel("m2", false);
    await answer("cancel");
    await done;
    expect(useDoc.getState().doc).toBe(mine);
    expect(useDoc.getState().modelId).toBe("m1");
    expect(window.location.hash).toBe("#/model/m1");
  });

  it("Discard opens it, and the edits are one Undo away as the model they belong to", async () => {
    addLayer("ReLU", { x: 0, y: 0 });
    const mine = useDoc.getState().doc;
    go("#/model/m2");
    const done = openModel("m2", false);
    await answer("discard");
    await done;
    expect(useDoc.getState()).toMatchObject({ modelId: "m2", dirty: false });
    undo();
    expect(useDoc.getState().doc).toBe(mine);
    expect(useDoc.getState().modelId).toBe("m1");
  });

  it("an edit undone back to the saved document is no unsaved work", async () => {
    addLayer("ReLU", { x: 0, y: 0 });
    undo();
    expect(useDoc.getState().dirty).toBe(true);
    go("#/model/m2");
    await openModel("m2", false);
    expect(useDiscard.getState().question).toBeNull();
    expect(useDoc.getState().modelId).toBe("m2");
  });

  it("a draft restored untouched from storage is not asked about (it stays stored); an edited one is", async () => {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(emptyGraph("draft")));
    useDoc.setState({ modelId: null });
    restoreDraft();
    expect(useDoc.getState()).toMatchObject({ modelId: null, dirty: true });
    go("#/model/m2");
    await openModel("m2", true);
    expect(useDiscard.getState().question).toBeNull();
    expect(useDoc.getState().modelId).toBe("m2");
    expect(localStorage.getItem(DRAFT_KEY)).not.toBeNull();

    go("#/");
    loadDocument(emptyGraph("draft"), null);
    addLayer("ReLU", { x: 0, y: 0 });
    go("#/model/m2");
    const done = openModel("m2", false);
    await answer("cancel");
    await done;
    expect(useDoc.getState().modelId).toBeNull();
    expect(window.location.hash).toBe("#/");
  });
});

describe("opening an earlier version (from a run that trained it)", () => {
  it("loads that version as the same model, marked changed, and Undo brings the current one back", async () => {
    const v1 = { number: 1, name: "Mine", graph: emptyGraph("Mine, v1") };
    const spy = vi.spyOn(api.models, "version").mockResolvedValue(v1);
    const current = useDoc.getState().doc;
    await openVersion("m1", 1);
    expect(spy).toHaveBeenCalledWith("m1", 1);
    expect(useDoc.getState()).toMatchObject({ modelId: "m1", version: 1, dirty: true });
    expect(useDoc.getState().doc.name).toBe("Mine");
    expect(useDoc.getState().doc.nodes).toEqual(normalize(v1.graph).nodes);
    undo();
    expect(useDoc.getState().doc).toBe(current);
  });
});
