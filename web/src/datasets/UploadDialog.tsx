// "Upload data set": drop a zip of class folders or a CSV, choose the split (and for a CSV the
// target, the features and the task), watch the upload's progress, then read the server's report:
// what it made of the data, or every problem with the file or column and the fix.
import { useRef, useState } from "react";
import { needsSignIn } from "../store/auth";
import { datasetsApi, UploadError, type DatasetRead, type Problem, type Visibility } from "./api";
import { DatasetReport, trainOn } from "./DatasetsSection";
import { csvHeader } from "./logic";
import { added, setUploadOpen } from "./store";

type Phase = { kind: "choose" } | { kind: "sending"; fraction: number } | { kind: "done"; ds: DatasetRead } | { kind: "refused"; error: UploadError };

const stem = (name: string) => name.replace(/\.[^.]+$/, "").replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 64);

export function UploadDialog() {
  const [file, setFile] = useState<File | null>(null);
  const [columns, setColumns] = useState<string[]>([]);
  const [name, setName] = useState("");
  const [visibility, setVisibility] = useState<Visibility>("private");
  const [fraction, setFraction] = useState("0.2");
  const [seed, setSeed] = useState("0");
  const [imageSize, setImageSize] = useState("");
  const [task, setTask] = useState<"classification" | "regression">("classification");
  const [target, setTarget] = useState("");
  const [features, setFeatures] = useState<Set<string>>(new Set());
  const [phase, setPhase] = useState<Phase>({ kind: "choose" });
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const isCsv = !!file && /\.csv$/i.test(file.name);
  const close = () => setUploadOpen(false);

  const pick = async (f: File | undefined) => {
    if (!f) return;
    setFile(f);
    setName(stem(f.name));
    setPhase({ kind: "choose" });
    if (/\.csv$/i.test(f.name)) {
      const cols = csvHeader(await f.slice(0, 256 * 1024).text()).slice(0, 500);
      setColumns(cols);
      setTarget(cols[cols.length - 1] ?? "");
      setFeatures(new Set(cols.slice(0, -1)));
    } else setColumns([]);
  };
  const toggle = (c: string) => {
    const next = new Set(features);
    if (next.has(c)) next.delete(c);
    else next.add(c);
    setFeatures(next);
  };
  const send = async () => {
    if (!file) return;
    setPhase({ kind: "sending", fraction: 0 });
    try {
      const ds = await datasetsApi.upload(
        file,
        {
          name, visibility, test_fraction: Number(fraction), seed: Number(seed),
          ...(isCsv
            ? { kind: "table" as const, task, target, features: columns.filter((c) => features.has(c) && c !== target) }
            : { kind: "images" as const, image_size: imageSize ? Number(imageSize) : null }),
        },
        (f) => setPhase({ kind: "sending", fraction: f }),
      );
      added(ds);
      setPhase({ kind: "done", ds });
    } catch (e) {
      if (e instanceof UploadError && e.status === 401 && needsSignIn(e)) return close();
      setPhase({ kind: "refused", error: e instanceof UploadError ? e : new UploadError(0, (e as Error).message) });
    }
  };

  return (
    <div className="tc-modal-back" onClick={close}>
      <div className="tc-modal tc-upload" data-testid="upload-dialog" onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === "Escape" && close()}>
        <h3>Upload a data set</h3>
        {phase.kind === "done" ? (
          <>
            <p className="small" data-testid="upload-done">✓ <b>{phase.ds.name}</b> is ready.</p>
            <DatasetReport ds={phase.ds} />
            <div className="tc-row tc-modal-foot">
              <span className="spacer" />
              <button onClick={close}>Close</button>
              <button className="primary" data-testid="upload-use" onClick={() => { trainOn(phase.ds); close(); }}>Train on it</button>
            </div>
          </>
        ) : (
          <>
            <div
              className={`tc-drop${over ? " over" : ""}`}
              data-testid="upload-drop"
              onClick={() => input.current?.click()}
              onDragOver={(e) => { e.preventDefault(); setOver(true); }}
              onDragLeave={() => setOver(false)}
              onDrop={(e) => { e.preventDefault(); setOver(false); void pick(e.dataTransfer.files[0]); }}
            >
              {file ? <span><b>{file.name}</b> · {(file.size / 1024).toFixed(0)} kB</span> : <span>Drop a <b>.zip</b> of class folders (<code>cat/*.png</code>, <code>dog/*.png</code>, or <code>train/</code> and <code>test/</code>) or a <b>.csv</b>, or click to choose</span>}
              <input ref={input} type="file" accept=".zip,.csv" hidden data-testid="upload-file" onChange={(e) => void pick(e.target.files?.[0])} />
            </div>
            {file && (
              <div className="tc-grid2">
                <label className="tc-field"><span className="tc-field-name">name</span><input value={name} onChange={(e) => setName(e.target.value)} data-testid="upload-name" /></label>
                <label className="tc-field"><span className="tc-field-name">visibility</span>
                  <select value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)} data-testid="upload-visibility">
                    <option value="private">private</option><option value="unlisted">unlisted</option><option value="public">public</option>
                  </select>
                </label>
                <label className="tc-field" title="The share of each class held out for testing (ignored when the zip has train/ and test/ folders)">
                  <span className="tc-field-name">test share</span><input type="number" step="0.05" min="0.05" max="0.9" value={fraction} onChange={(e) => setFraction(e.target.value)} data-testid="upload-fraction" />
                </label>
                <label className="tc-field" title="The same seed splits the same way"><span className="tc-field-name">split seed</span><input type="number" value={seed} onChange={(e) => setSeed(e.target.value)} data-testid="upload-seed" /></label>
                {!isCsv && (
                  <label className="tc-field" title="Every image is resized to this square size; empty: their own size when they all share one, else 32">
                    <span className="tc-field-name">image size</span><input type="number" min="4" placeholder="auto" value={imageSize} onChange={(e) => setImageSize(e.target.value)} data-testid="upload-image-size" />
                  </label>
                )}
                {isCsv && (
                  <label className="tc-field"><span className="tc-field-name">task</span>
                    <select value={task} onChange={(e) => setTask(e.target.value as typeof task)} data-testid="upload-task">
                      <option value="classification">classification</option><option value="regression">regression</option>
                    </select>
                  </label>
                )}
              </div>
            )}
            {isCsv && columns.length > 0 && (
              <div className="tc-upload-columns">
                <label className="tc-field"><span className="tc-field-name">target column</span>
                  <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="upload-target">
                    {columns.map((c) => <option key={c} value={c}>{c}</option>)}
                  </select>
                </label>
                <div className="tc-field-name">feature columns</div>
                <div className="tc-upload-features" data-testid="upload-features">
                  {columns.filter((c) => c !== target).map((c) => (
                    <label key={c} className="small"><input type="checkbox" checked={features.has(c)} onChange={() => toggle(c)} /> {c}</label>
                  ))}
                </div>
              </div>
            )}
            {phase.kind === "sending" && (
              <div className="tc-upload-progress" data-testid="upload-progress">
                <progress max={1} value={phase.fraction} />
                <span className="small muted">{phase.fraction < 1 ? `uploading… ${Math.round(phase.fraction * 100)} %` : "checking every file…"}</span>
              </div>
            )}
            {phase.kind === "refused" && <Refusal error={phase.error} />}
            <div className="tc-row tc-modal-foot">
              <span className="spacer" />
              <button onClick={close}>Cancel</button>
              <button className="primary" disabled={!file || phase.kind === "sending"} onClick={() => void send()} data-testid="upload-send">Upload</button>
            </div>
          </>
        )}
      </div>
    </div>
  );
}

function Refusal({ error }: { error: UploadError }) {
  const problems: Problem[] = error.problems.length ? error.problems : [{ message: error.message, where: "", fix: "" }];
  return (
    <div className="tc-error-box" data-testid="upload-refused">
      <div><b>Not uploaded</b>{problems.length > 1 || error.more ? ` (${problems.length + error.more} problems)` : ""}:</div>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>{p.where && <code>{p.where}</code>} {p.message}{p.fix && <div className="small">fix: {p.fix}</div>}</li>
        ))}
        {error.more > 0 && <li>… and {error.more} more</li>}
      </ul>
    </div>
  );
}
