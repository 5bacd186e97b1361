// "Run in your browser": the run's ONNX file in onnxruntime-web (wasm), on the very tensor the
// server's model saw (the server preprocesses and sends it, so both paths see the same input), its
// top-k beside the server's with the difference. onnxruntime-web is loaded on the first click.
import { useEffect, useState } from "react";
import type { Input, Prediction, Usage } from "./api";
import { inferenceApi } from "./api";
import type { Loaded } from "./browserOnnx";
import type { Compared } from "./onnxMath";
import { compare, scores } from "./onnxMath";

interface Result {
  server: Prediction;
  compared: Compared | null; // classifiers
  outputs: { server: number; browser: number; diff: number }[] | null; // regression
  maxDiff: number;
  ms: number;
  loaded: Loaded;
}

const sci = (v: number) => (v === 0 ? "0" : v.toExponential(1));

export function BrowserRun({ runId, usage, input }: { runId: number; usage: Usage; input: Input | null }) {
  const [on, setOn] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);

  useEffect(() => {
    if (!on || !input) return;
    let live = true;
    (async () => {
      setError(null);
      try {
        setBusy("Loading onnxruntime-web and the model…");
        const { loadRun, runTensor } = await import("./browserOnnx");
        const [loaded, server] = await Promise.all([loadRun(runId, (s) => live && setBusy(s)), inferenceApi.predict(runId, input, true)]);
        if (!server.tensor) throw new Error("the server sent no tensor");
        if (!live) return;
        setBusy("Running in your browser…");
        await runTensor(loaded, server.tensor); // warm: the first run allocates
        const out = await runTensor(loaded, server.tensor);
        if (!live) return;
        if (server.task === "classification") {
          const browser = scores(out.values, out.rows, server.scoring);
          const compared = compare(server.top, browser);
          setResult({ server, compared, outputs: null, maxDiff: compared.maxDiff, ms: out.ms, loaded });
        } else {
          const n = out.values.length / out.rows;
          const mean = Array.from({ length: n }, (_, c) => {
            let s = 0;
            for (let r = 0; r < out.rows; r++) s += out.values[r * n + c];
            return s / out.rows;
          });
          const outputs = (server.outputs ?? []).map((v, i) => ({ server: v, browser: mean[i], diff: Math.abs(mean[i] - v) }));
          setResult({ server, compared: null, outputs, maxDiff: Math.max(0, ...outputs.map((o) => o.diff)), ms: out.ms, loaded });
        }
      } catch (e) {
        if (live) setError(`Could not run in the browser: ${(e as Error).message}`);
      } finally {
        if (live) setBusy(null);
      }
    })();
    return () => { live = false; };
  }, [on, input, runId]);

  if (!usage.usable) return null;
  return (
    <section className="tc-use-section" data-testid="browser-run">
      <div className="tc-use-row">
        <b className="small">In your browser</b>
        {!on ? (
          <button className="small" disabled={!input} onClick={() => setOn(true)} data-testid="browser-run-go"
            title="Download the run's model as ONNX and run it here with onnxruntime-web (WebAssembly): no server CPU">
            Run in your browser
          </button>
        ) : (
          <button className="small" onClick={() => (setOn(false), setResult(null))} data-testid="browser-run-stop">Stop</button>
        )}
        <a className="small" href={`/api/v1/runs/${runId}/onnx`} download data-testid="browser-onnx-download">Download .onnx</a>
        {busy && <span className="muted small">{busy}</span>}
      </div>
      {!input && !on && <div className="muted small">Give the model an input first.</div>}
      {error && <div className="tc-error-box" data-testid="browser-error">{error}</div>}
      {on && result && !error && <BrowserResult r={result} />}
    </section>
  );
}

function BrowserResult({ r }: { r: Result }) {
  const rep = r.loaded.report;
  const pct = (v: number) => (r.server.scoring === "score" ? v.toFixed(4) : `${(v * 100).toFixed(3)}%`);
  return (
    <div data-testid="browser-result" data-max-diff={r.maxDiff} data-same-top1={r.compared ? String(r.compared.sameTop1) : ""}>
      {r.compared && (
        <table className="tc-use-table small">
          <thead><tr><th>class</th><th>server</th><th>browser</th><th>|difference|</th></tr></thead>
          <tbody>
            {r.compared.rows.map((row) => (
              <tr key={row.index} data-testid="browser-row" data-index={row.index} data-server={row.server} data-browser={row.browser}>
                <td>{row.label}</td><td>{pct(row.server)}</td><td>{pct(row.browser)}</td><td>{sci(row.diff)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.outputs && (
        <table className="tc-use-table small">
          <thead><tr><th>output</th><th>server</th><th>browser</th><th>|difference|</th></tr></thead>
          <tbody>
            {r.outputs.map((o, i) => (
              <tr key={i} data-testid="browser-row"><td>{i}</td><td>{o.server.toFixed(5)}</td><td>{o.browser.toFixed(5)}</td><td>{sci(o.diff)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="small">
        {r.compared && (r.compared.sameTop1
          ? <span className="tc-ok" data-testid="browser-same">✓ same top-1 as the server</span>
          : <span className="tc-bad" data-testid="browser-same">✗ another top-1 than the server</span>)}
        {r.compared && " · "}largest difference <b data-testid="browser-maxdiff">{sci(r.maxDiff)}</b>
        {" · "}<span data-testid="browser-latency">{r.ms.toFixed(2)} ms</span> forward pass here (the server: {r.server.latency_ms.toFixed(2)} ms)
      </div>
      <div className="muted small" data-testid="browser-verification">
        The ONNX file ({(rep.bytes / 1024).toFixed(0)} kB, {rep.exporter} exporter) was verified on the server with onnxruntime:
        max |onnx − torch| {sci(rep.maxAbsDiff)} on random input (tolerance {sci(rep.atol)} + {sci(rep.rtol)}·|torch|).
        Both sides ran on the tensor the server prepared; loaded in {r.loaded.loadMs.toFixed(0)} ms.
      </div>
    </div>
  );
}
