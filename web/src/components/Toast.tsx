import { useEffect } from "react";
import { useCheck } from "../store/check";
import { useDoc } from "../store/doc";
import { dismissToast, recheckToast, useUi } from "../store/ui";

export function Toast() {
  const t = useUi((s) => s.toast);
  const rev = useDoc((s) => s.rev);
  const checked = useCheck((s) => s.result);
  // A toast that reported a condition (the zip refused for the training config, ...) goes away
  // as soon as the condition is fixed, not seconds later.
  useEffect(recheckToast, [rev, checked]);
  if (!t) return null;
  return (
    <div className={`tc-toast${t.error ? " bad" : t.warning ? " warn" : ""}`} role="status" data-testid="toast">
      <span>{t.text}</span>
      {t.action && (
        <button className="link" onClick={() => (t.action!.run(), dismissToast())} data-testid="toast-action">{t.action.label}</button>
      )}
      <button className="tc-toast-close" onClick={dismissToast} aria-label="Close" title="Close" data-testid="toast-close">×</button>
    </div>
  );
}
