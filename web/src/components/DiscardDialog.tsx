// Save / Discard / Cancel before a new document replaces unsaved edits (store/replace.ts).
import { useEffect, useRef } from "react";
import { useDiscard } from "../store/replace";

export function DiscardDialog() {
  const q = useDiscard((s) => s.question);
  const save = useRef<HTMLButtonElement>(null);
  useEffect(() => save.current?.focus(), [q]);
  if (!q) return null;
  return (
    <div className="tc-modal-back" onMouseDown={(e) => e.target === e.currentTarget && q.answer("cancel")}>
      <div
        className="tc-modal tc-discard"
        role="alertdialog"
        aria-labelledby="tc-discard-title"
        onKeyDown={(e) => e.key === "Escape" && q.answer("cancel")}
        data-testid="discard-dialog"
      >
        <h3 id="tc-discard-title">Replace your unsaved model?</h3>
        <p>
          “{q.name}” ({q.nodes} node{q.nodes === 1 ? "" : "s"}) has {q.saved ? "changes that are not saved" : "never been saved"}.
          Opening {q.what} replaces it on the canvas.
        </p>
        <p className="muted small">Discard keeps it one Undo away while this tab stays open.</p>
        <div className="tc-row tc-modal-foot">
          <button className="primary" ref={save} onClick={() => q.answer("save")} data-testid="discard-save">Save it first</button>
          <button className="danger" onClick={() => q.answer("discard")} data-testid="discard-discard">Discard changes</button>
          <span className="spacer" />
          <button className="link" onClick={() => q.answer("cancel")} data-testid="discard-cancel">Cancel</button>
        </div>
      </div>
    </div>
  );
}
