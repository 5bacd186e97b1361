import { lazy, Suspense, useState } from "react";
import { useWarnings } from "../canvas/WarningChip";
import { useCheck } from "../store/check";
import { setTab, toast } from "../store/ui";
import { downloadOnnx, downloadZip } from "./exports";
import { useCodegen } from "./useCodegen";

const CodeView = lazy(() => import("./CodeView"));
const EXPECTED = ["model.py", "train.py"];

export function CodePanel() {
  const { files, issues, error, pending } = useCodegen();
  const hasErrors = useCheck((s) => s.result !== null && !s.result.ok);
  const warnings = useWarnings();
  const names = Object.keys(files).filter((n) => n.endsWith(".py"));
  // train.py is left out while the training config does not fit the model: keep its tab, disabled.
  const tabs = [...names, ...EXPECTED.filter((n) => !names.includes(n))];
  const [tab, setCodeTab] = useState("model.py");
  const current = files[tab] !== undefined ? tab : names[0];
  const code = current ? files[current] : "";
  const why = issues.length ? issues : warnings;
  const noTrain = names.length > 0 && !names.includes("train.py") && why.length > 0;
  const zip = () => {
    if (!noTrain) return void downloadZip();
    // The server refuses the zip (model.py + train.py) in this state: say why, and where to fix it.
    toast(`Zip export failed: train.py needs a training config that fits the model (${why[0].message}).`, false, {
      warning: true,
      action: { label: "Open Training", run: () => setTab("training") },
      dismissWhen: () => useCheck.getState().result?.issues.every((i) => i.severity !== "warning") ?? false,
    });
  };
  return (
    <div className="tc-code" data-testid="code-panel">
      <div className="tc-row tc-code-bar">
        <div className="tc-subtabs">
          {tabs.map((n) => (
            <button
              key={n}
              className={n === current ? "on" : ""}
              onClick={() => setCodeTab(n)}
              disabled={names.length > 0 && !names.includes(n)}
              title={names.length > 0 && !names.includes(n) ? "Not generated: see the notice below" : undefined}
              data-testid={`code-tab-${n}`}
            >{n}</button>
          ))}
        </div>
        <span className="spacer" />
        <button className="small" onClick={() => navigator.clipboard.writeText(code).then(() => toast("Copied"))} disabled={!code} data-testid="code-copy">Copy</button>
        <button
          className={`small${noTrain ? " tc-warn-button" : ""}`}
          onClick={zip}
          title={noTrain ? "train.py cannot be generated until the training config fits the model (Training tab)" : "model.py and train.py"}
          data-testid="code-zip"
        >{noTrain ? "⚠ " : ""}Download zip</button>
        <button className="small" onClick={downloadOnnx} data-testid="code-onnx">ONNX</button>
      </div>
      {noTrain && (
        <div className="tc-warn-box" data-testid="code-no-train">
          <b>No train.py yet.</b> The training config does not fit the model:
          <ul>{why.map((w, i) => <li key={i}>{w.message}{w.fix ? ` — fix: ${w.fix}` : ""}</li>)}</ul>
          <button className="link" onClick={() => setTab("training")}>Open the Training tab</button>
        </div>
      )}
      {hasErrors && code && <div className="tc-error-box" data-testid="code-stale">The graph has errors; the code below is from the last valid version.</div>}
      {error && <div className="tc-error-box">Code generation failed: {error}</div>}
      {pending && !code && <div className="muted pad">Generating…</div>}
      <div className="tc-code-view" data-testid="code-view" data-file={current}>
        <Suspense fallback={<pre>{code}</pre>}>
          <CodeView code={code} />
        </Suspense>
      </div>
    </div>
  );
}
