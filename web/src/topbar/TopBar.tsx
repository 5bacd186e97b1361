import { useReactFlow } from "@xyflow/react";
import { UserMenu } from "../components/UserMenu";
import { FIT } from "../canvas/Canvas";
import { layout } from "../store/actions";
import { useDoc } from "../store/doc";
import { redo, undo } from "../store/history";
import { setModelName } from "../store/actions";
import { groupSelection } from "../store/modules";
import { saveModel } from "../store/persist";
import { setTourStep, toggleHelp } from "../store/ui";
import { ExportMenu } from "./ExportMenu";
import { TrainButton } from "./TrainButton";

export function TopBar() {
  const name = useDoc((s) => s.doc.name);
  const dirty = useDoc((s) => s.dirty);
  const canUndo = useDoc((s) => s.past.length > 0);
  const canRedo = useDoc((s) => s.future.length > 0);
  const canGroup = useDoc((s) => Object.keys(s.selected).length > 0);
  const { fitView, getInternalNode } = useReactFlow();
  return (
    <header className="tc-topbar" data-testid="topbar">
      <a className="tc-logo" href="#/">torch<b>canvas</b></a>
      <input
        key={name}
        className="tc-model-name"
        defaultValue={name}
        data-testid="model-name"
        onBlur={(e) => e.target.value !== name && setModelName(e.target.value.trim())}
        onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
      />
      {dirty && <span className="muted" data-testid="dirty">unsaved</span>}
      <button className="primary" onClick={() => void saveModel()} data-testid="save" title="Ctrl+S">Save</button>
      <span className="sep" />
      <button onClick={undo} disabled={!canUndo} data-testid="undo" title="Undo (Ctrl+Z)" aria-label="Undo">↶<span className="tc-wide"> Undo</span></button>
      <button onClick={redo} disabled={!canRedo} data-testid="redo" title="Redo (Ctrl+Shift+Z)" aria-label="Redo">↷<span className="tc-wide"> Redo</span></button>
      <span className="sep" />
      <button onClick={() => layout((id) => getInternalNode(id)?.measured)} data-testid="auto-layout" title="L">Auto-layout</button>
      <button onClick={() => void fitView({ ...FIT, duration: 200 })} data-testid="fit-view" title="F">Fit view</button>
      <button onClick={() => groupSelection()} disabled={!canGroup} data-testid="group" title="Group the selection into a module (Ctrl+G)">Group</button>
      <ExportMenu />
      <span className="sep" />
      <TrainButton />
      <span className="spacer" />
      <a href="#/market" data-testid="nav-market">Market</a>
      <a href="#/quickstart" data-testid="nav-quickstart">Quick start</a>
      <a href="#/lab" data-testid="nav-lab">Lab</a>
      <a href="#/use" data-testid="nav-use" title="Use a trained model: draw, upload, explain">Use</a>
      <button className="icon" onClick={() => setTourStep(0)} data-testid="start-tour" title="Guided tour">Tour</button>
      <button className="icon" onClick={() => toggleHelp(true)} data-testid="shortcuts-button" title="Keyboard shortcuts (?)">?</button>
      {/* My models is in the user's menu: the bar must fit 1280 px. */}
      <UserMenu />
    </header>
  );
}
