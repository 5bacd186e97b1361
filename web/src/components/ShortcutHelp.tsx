import { SHORTCUTS } from "../canvas/useShortcuts";
import { toggleHelp, useUi } from "../store/ui";

export function ShortcutHelp() {
  const open = useUi((s) => s.help);
  if (!open) return null;
  return (
    <div className="tc-modal-back" onClick={() => toggleHelp(false)}>
      <div className="tc-modal" data-testid="shortcut-help" onClick={(e) => e.stopPropagation()}>
        <h3>Keyboard shortcuts</h3>
        <table>
          <tbody>
            {SHORTCUTS.map(([k, v]) => (
              <tr key={k}><td><kbd>{k}</kbd></td><td>{v}</td></tr>
            ))}
          </tbody>
        </table>
        <button onClick={() => toggleHelp(false)} data-testid="shortcut-help-close">Close</button>
      </div>
    </div>
  );
}
