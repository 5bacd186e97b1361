// The bottom drawer of the editor: the model's runs on the left, the shown run on the right.
// Loaded lazily with uPlot (see EditorPage).
import { useEffect } from "react";
import { useDoc } from "../store/doc";
import { refreshList, setDrawer, setExperimentDialog } from "../store/runActions";
import { useRuns } from "../store/runs";
import { ExperimentDialog } from "./ExperimentDialog";
import { RunDetail } from "./RunDetail";
import { RunsList } from "./RunsList";

export default function RunDrawer() {
  const open = useRuns((s) => s.drawer);
  const shown = useRuns((s) => s.shown);
  const dialog = useRuns((s) => s.experimentDialog);
  const modelId = useDoc((s) => s.modelId);
  const loaded = useDoc((s) => s.loaded);
  useEffect(() => {
    if (open) void refreshList();
  }, [open, modelId, loaded]);
  return (
    <>
      {open && (
        <section className="tc-drawer" data-testid="runs-drawer">
          <div className="tc-drawer-head">
            <b>Runs</b>
            <span className="muted small">{modelId ? "of this saved model" : "of this unsaved draft: Save keeps them with the model"}</span>
            <span className="spacer" />
            <button className="small" onClick={() => setExperimentDialog(true)} data-testid="experiment-open">New experiment…</button>
            <button className="icon" onClick={() => setDrawer(false)} data-testid="runs-close" title="Close">×</button>
          </div>
          <div className="tc-drawer-body">
            <RunsList />
            {shown !== null ? <RunDetail id={shown} /> : <div className="muted pad">Select a run, or press Train.</div>}
          </div>
        </section>
      )}
      {dialog && <ExperimentDialog />}
    </>
  );
}
