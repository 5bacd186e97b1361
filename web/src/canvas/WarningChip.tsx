// An amber chip in the canvas corner (next to the side panel's check status) while the training
// config does not fit the model: the check is ✓, but train.py cannot be generated.
import { useMemo } from "react";
import { isWarning, useIssues } from "../store/check";
import { setTab } from "../store/ui";

export function useWarnings() {
  const issues = useIssues();
  return useMemo(() => issues.filter(isWarning), [issues]);
}

export function WarningChip() {
  const warnings = useWarnings();
  if (!warnings.length) return null;
  return (
    <button
      className="tc-warn-chip"
      onClick={() => setTab("training")}
      title={warnings.map((w) => w.message).join("\n")}
      data-testid="check-warnings"
    >
      ⚠ {warnings.length} training {warnings.length === 1 ? "warning" : "warnings"}
    </button>
  );
}
