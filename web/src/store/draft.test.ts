// @vitest-environment jsdom
// The anonymous draft: kept in localStorage while unsaved, back after a reload, gone once saved.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadDocument, setModelName } from "./actions";
import { emptyGraph, useDoc } from "./doc";
import { DRAFT_KEY, hasUnsavedDraft, keepDraft, restoreDraft } from "./draft";

let stop: () => void;
beforeEach(() => {
  vi.useFakeTimers();
  localStorage.clear();
  loadDocument(emptyGraph(), null);
  stop = keepDraft();
});
afterEach(() => {
  stop();
  vi.useRealTimers();
});

const stored = () => JSON.parse(localStorage.getItem(DRAFT_KEY) ?? "null") as { name: string } | null;

describe("the anonymous draft", () => {
  it("the untouched starting document is not a draft", () => {
    vi.runAllTimers();
    expect(hasUnsavedDraft()).toBe(false);
    expect(stored()).toBeNull();
  });

  it("an edit is written, and comes back (still unsaved) on the next visit", () => {
    setModelName("my_net");
    vi.runAllTimers();
    expect(stored()?.name).toBe("my_net");
    loadDocument(emptyGraph("other"), "m1"); // another tab of the app opened a saved model
    restoreDraft(); // no: a saved model is open
    expect(useDoc.getState().doc.name).toBe("other");
    useDoc.setState({ modelId: null, doc: emptyGraph(), dirty: false });
    restoreDraft();
    expect(useDoc.getState()).toMatchObject({ modelId: null, dirty: true });
    expect(useDoc.getState().doc.name).toBe("my_net");
    expect(hasUnsavedDraft()).toBe(true);
  });

  it("is forgotten once saved", () => {
    setModelName("my_net");
    vi.runAllTimers();
    useDoc.setState({ modelId: "m1", dirty: false }); // what saveModel does
    vi.runAllTimers();
    expect(stored()).toBeNull();
  });

  it("is forgotten when a new document replaces it", () => {
    setModelName("my_net");
    vi.runAllTimers();
    loadDocument(emptyGraph(), null);
    vi.runAllTimers();
    expect(stored()).toBeNull();
  });
});

describe("leaving the page", () => {
  it("writes a pending draft at once", () => {
    setModelName("quick");
    window.dispatchEvent(new Event("pagehide"));
    expect(stored()?.name).toBe("quick");
  });
});
