// The Training tab's "Your data sets": the uploaded data sets (yours, then public ones), one click
// to train on one, and the chosen one's counts, sample grid, class balance and input shape.
import { useEffect, useState } from "react";
import type { Shape } from "../api/types";
import { setInputShape, setTraining } from "../store/actions";
import { needsSignIn, openAuthDialog, useAuth } from "../store/auth";
import { useCatalog } from "../store/catalog";
import { useDoc } from "../store/doc";
import { lossFor } from "../panels/suggest";
import type { DatasetRead, DatasetSummary } from "./api";
import { balanceBars, countsText, inputSuggestion, shapeText, sizeText } from "./logic";
import { loadDatasets, loadDetail, removeDataset, setUploadOpen, useDatasets } from "./store";
import { UploadDialog } from "./UploadDialog";

const UPLOADED_TYPES = new Set(["ImageFolder", "CSVClassification", "CSVRegression"]);

/** The uploaded data set the training config reads, if any. */
function useChosenId(): number | null {
  const dataset = useDoc((s) => s.doc.training.dataset);
  const id = dataset.params?.dataset;
  return UPLOADED_TYPES.has(dataset.type) && typeof id === "number" ? id : null;
}

/** Train on `ds`: its dataset choice, and a loss that suits its task when the current one does not. */
export function trainOn(ds: DatasetSummary): void {
  const losses = useCatalog.getState().catalog?.losses ?? {};
  const loss = useDoc.getState().doc.training.loss.type;
  const swap = lossFor(losses, loss, ds.task);
  setTraining({ dataset: ds.choice, ...(swap ? { loss: { type: swap, params: {} } } : {}) });
}

export function BalanceChart({ ds }: { ds: DatasetSummary }) {
  const { bars, hidden } = balanceBars(ds);
  if (!bars.length) return null;
  return (
    <div className="tc-balance" data-testid="dataset-balance">
      {bars.map((b) => (
        <div className="tc-balance-row" key={b.name} title={`${b.name}: ${b.train} train, ${b.test} test`}>
          <span className="tc-balance-name">{b.name}</span>
          <span className="tc-balance-track">
            <span className="tc-balance-train" style={{ width: `${(b.share * 100 * b.train) / Math.max(1, b.train + b.test)}%` }} />
            <span className="tc-balance-test" style={{ width: `${(b.share * 100 * b.test) / Math.max(1, b.train + b.test)}%` }} />
          </span>
          <span className="tc-balance-n">{b.train + b.test}</span>
        </div>
      ))}
      {hidden > 0 && <div className="muted small">… and {hidden} more classes</div>}
      <div className="muted small"><span className="tc-key tc-balance-train" /> train <span className="tc-key tc-balance-test" /> test</div>
    </div>
  );
}

export function DatasetReport({ ds }: { ds: DatasetRead }) {
  return (
    <div className="tc-dataset-report">
      <div className="small" data-testid="dataset-counts">{countsText(ds)} · input {shapeText(ds.input_shape)} · {sizeText(ds.bytes)}</div>
      {ds.kind === "table" && (
        <div className="muted small">features: {(ds.details.features as string[] | undefined)?.join(", ")} → target: {String(ds.details.target)}</div>
      )}
      {ds.notes.map((n) => <div key={n} className="tc-dataset-note small" data-testid="dataset-note">Note: {n}</div>)}
      {ds.sample_grid && <img className="tc-dataset-grid" src={ds.sample_grid} alt={`samples of ${ds.name}, one row per class`} data-testid="dataset-grid" />}
      <BalanceChart ds={ds} />
    </div>
  );
}

function ChosenDataset({ id }: { id: number }) {
  const [ds, setDs] = useState<DatasetRead | null>(useDatasets.getState().details[id] ?? null);
  const input = useDoc((s) => s.doc.nodes.find((n) => n.kind === "input"));
  useEffect(() => {
    let live = true;
    void loadDetail(id).then((d) => live && setDs(d));
    return () => { live = false; };
  }, [id]);
  if (!ds) return null;
  const shape = input?.kind === "input" ? (input.shape as Shape) : undefined;
  const suggestion = inputSuggestion(shape, ds);
  return (
    <div className="tc-dataset-chosen" data-testid="dataset-chosen">
      <div className="tc-row"><b>{ds.name}</b><span className="muted small">{ds.owner && `by ${ds.owner}`} · {ds.visibility}</span></div>
      {suggestion && input && (
        <button className="small primary" onClick={() => setInputShape(input.id, suggestion)} data-testid="dataset-set-input"
          title={`The input node is ${shape ? shapeText(shape.slice(1) as number[]) : "unset"}; this data set's samples are ${shapeText(ds.input_shape)}`}>
          Set input to {shapeText(ds.input_shape)}
        </button>
      )}
      <DatasetReport ds={ds} />
    </div>
  );
}

export function DatasetsSection() {
  const { items, loaded, error, uploadOpen } = useDatasets();
  const user = useAuth((s) => s.user);
  const chosen = useChosenId();
  const [busy, setBusy] = useState<number | null>(null);
  useEffect(() => {
    void loadDatasets();
  }, [user?.username]);
  const remove = async (ds: DatasetSummary) => {
    if (!window.confirm(`Delete the data set “${ds.name}” and its files? Runs that used it keep their results.`)) return;
    setBusy(ds.id);
    try {
      await removeDataset(ds.id);
    } catch (e) {
      if (!needsSignIn(e)) window.alert((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="tc-datasets" data-testid="datasets">
      <div className="tc-row">
        <span className="tc-field-name">Your data sets</span>
        <span className="spacer" />
        <button className="small" data-testid="dataset-upload-open"
          onClick={() => (user ? setUploadOpen(true) : openAuthDialog("signin", "sign in to upload your own data"))}>
          ⤒ Upload data set
        </button>
      </div>
      {error && <div className="tc-field-error small">{error}</div>}
      {loaded && !items.length && <div className="muted small">None yet: upload a zip of class folders (images) or a CSV (a table).</div>}
      <ul className="tc-dataset-list">
        {items.map((d) => (
          <li key={d.id} className={d.id === chosen ? "active" : ""} data-testid={`dataset-item-${d.name}`}>
            <span className="tc-dataset-name" title={countsText(d)}><span className="tc-dataset-kind">{d.kind === "images" ? "img" : "csv"}</span> {d.name}</span>
            <span className="muted small">{d.num_train + d.num_test} · {shapeText(d.input_shape)}{d.owner && !d.can_edit ? ` · ${d.owner}` : ""}</span>
            <span className="spacer" />
            {d.id !== chosen && <button className="small" onClick={() => trainOn(d)} data-testid={`dataset-use-${d.name}`}>Use</button>}
            {d.can_delete && (
              <button className="icon small" disabled={busy === d.id} onClick={() => void remove(d)} title="Delete this data set" data-testid={`dataset-delete-${d.name}`}>×</button>
            )}
          </li>
        ))}
      </ul>
      {chosen !== null && <ChosenDataset id={chosen} />}
      {uploadOpen && <UploadDialog />}
    </div>
  );
}
