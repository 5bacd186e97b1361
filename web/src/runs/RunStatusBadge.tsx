import type { RunStatus } from "../api/runs";

export function RunStatusBadge({ status, testId }: { status: RunStatus; testId?: string }) {
  return <span className={`tc-run-status s-${status}`} data-testid={testId} data-status={status}>{status}</span>;
}
