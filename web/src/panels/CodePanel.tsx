import { lazy, Suspense, useState } from "react";
import { useCheck } from "../store/check";
import { toast } from "../store/ui";
import { downloadOnnx, downloadZip } from "./exports";
import { useCodegen } from "./useCodegen";

const CodeView = lazy(() => import("./CodeView"));

export function CodePanel() {
  const { files, error, pending } = useCodegen();
  const hasErrors = useCheck((s) => s.result !== null && !s.result.ok);
  const names = Object.keys(files).filter((n) => n.endsWith(".py"));
  const [tab, setTab] = useState("model.py");
  const current = files[tab] !== undefined ? tab : names[0];
  const code = current ? files[current] : "";
  return (
    <div className="tc-code" data-testid="code-panel">
      <div className="tc-row">
        <div className="tc-subtabs">
          {(names.length ? names : ["model.py", "train.py"]).map((n) => (
            <button key={n} className={n === current ? "on" : ""} onClick={() => setTab(n)} data-testid={`code-tab-${n}`}>{n}</button>
          ))}
        </div>
        <span className="spacer" />
        <button onClick={() => navigator.clipboard.writeText(code).then(() => toast("Copied"))} disabled={!code} data-testid="code-copy">Copy</button>
        <button onClick={downloadZip} data-testid="code-zip">Download zip</button>
        <button onClick={downloadOnnx} data-testid="code-onnx">ONNX</button>
      </div>
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
