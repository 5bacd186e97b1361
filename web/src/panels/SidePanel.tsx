import { checkStatus, useCheck, useIssues } from "../store/check";
import { currentBody, useDoc } from "../store/doc";
import { setTab, useUi, type Tab } from "../store/ui";
import { CodePanel } from "./CodePanel";
import { ParamsPanel } from "./ParamsPanel";
import { SummaryPanel } from "./SummaryPanel";
import { TrainingPanel } from "./TrainingPanel";

const TABS: [Tab, string][] = [["params", "Params"], ["training", "Training"], ["code", "Code"], ["summary", "Summary"]];

export function SidePanel() {
  const tab = useUi((s) => s.tab);
  const pending = useCheck((s) => s.pending);
  const error = useCheck((s) => s.error);
  const issues = useIssues();
  const edgeCount = useDoc((s) => currentBody(s).edges.length);
  const status = checkStatus(issues, edgeCount, pending, error);
  return (
    <aside className="tc-side" data-testid="side-panel">
      <div className="tc-tabs" data-tour="tabs">
        {TABS.map(([id, label]) => (
          <button key={id} className={tab === id ? "on" : ""} onClick={() => setTab(id)} data-testid={`tab-${id}`} data-tour={`tab-${id}`}>{label}</button>
        ))}
        <span className="spacer" />
        <button
          className={`tc-status ${status.level}`}
          data-testid="check-status"
          data-state={status.state}
          title={status.title}
          onClick={() => setTab(status.level === "warning" ? "training" : "params")}
        >
          {status.text}
        </button>
      </div>
      <div className="tc-side-body">
        {tab === "params" && <ParamsPanel />}
        {tab === "training" && <TrainingPanel />}
        {tab === "code" && <CodePanel />}
        {tab === "summary" && <SummaryPanel />}
      </div>
    </aside>
  );
}
