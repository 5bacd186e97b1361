// A lesson's one-click experiment: its params (e.g. lr 0.01 / 0.1), an optional epochs override,
// Run; then every variant's curves overlaid in place, filling in live, and what the lesson claims:
// the fitted curves overlaid, the weight norms and histograms. Coming back to the lab shows the
// newest earlier run of the lesson (GET /lab/lessons/{id}/experiments); older ones are a pick away.
import { useEffect, useState } from "react";
import { labApi, runsApi, type Experiment, type Fit, type Lesson } from "../api/runs";
import type { Json } from "../api/types";
import { runColor } from "../charts/palette";
import { OverlayChart, runLabel } from "../runs/CompareCharts";
import { RunStatusBadge } from "../runs/RunStatusBadge";
import { stillActive, useComparison } from "../runs/useComparison";
import { alignCurves, anyValue } from "../charts/align";
import { FitsOverlay, WeightResults } from "./LessonResults";

type Past = Awaited<ReturnType<typeof labApi.past>>;

export function LessonExperiment({ lesson }: { lesson: Lesson & { experiment: NonNullable<Lesson["experiment"]> } }) {
  const id = lesson.id;
  const spec = lesson.experiment;
  const [params, setParams] = useState<Record<string, Json>>(() => Object.fromEntries(spec.params.map((p) => [p.name, p.default])));
  const [epochs, setEpochs] = useState("");
  const [experiment, setExperiment] = useState<Experiment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { comparison } = useComparison(experiment?.run_ids ?? []);
  const runs = comparison?.runs ?? experiment?.comparison.runs ?? [];
  const live = comparison ? stillActive(comparison) : !!experiment;
  const [past, setPast] = useState<Past>([]);

  // The lesson's earlier experiments (signed-in users only: the lab reads without an account).
  useEffect(() => {
    labApi.past(id).then(
      (list) => {
        setPast(list);
        if (list.length) void open(list[0].id);
      },
      () => undefined,
    );
  }, [id]); // eslint-disable-line react-hooks/exhaustive-deps
  const open = async (experimentId: number) => {
    try {
      setExperiment(await runsApi.getExperiment(experimentId));
      setFits({});
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const n = parseInt(epochs, 10);
      const started = await labApi.run(id, { params, ...(n >= 1 ? { epochs: n } : {}) });
      setExperiment(started);
      setPast((p) => [started, ...p]);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  // The fitted curves of a 1-D regression, once its runs are done.
  const [fits, setFits] = useState<Record<number, Fit>>({});
  const doneIds = runs.filter((r) => r.status === "succeeded").map((r) => r.id).join(",");
  useEffect(() => {
    if (!doneIds) return;
    for (const rid of doneIds.split(",").map(Number))
      if (!fits[rid]) void runsApi.get(rid).then((r) => r.metrics.fit && setFits((f) => ({ ...f, [rid]: r.metrics.fit! })), () => undefined);
  }, [doneIds]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className="tc-lesson-exp">
      <div className="tc-row">
        {spec.params.map((p) => (
          <span key={p.name} className="tc-segmented" data-testid={`lesson-${id}-param-${p.name}`}>
            <span className="muted small">{p.name}</span>
            {p.values.map((v) => (
              <button key={String(v)} className={params[p.name] === v ? "on" : ""} onClick={() => setParams({ ...params, [p.name]: v })} data-testid={`lesson-${id}-param-${p.name}-${String(v)}`}>
                {String(v)}
              </button>
            ))}
          </span>
        ))}
        <label className="muted small tc-inline-field">
          epochs
          <input type="number" min={1} value={epochs} placeholder="lesson's" onChange={(e) => setEpochs(e.target.value)} data-testid={`lesson-${id}-epochs`} />
        </label>
        <button className="primary" onClick={() => void run()} disabled={busy || (live && !!experiment && stillActive(comparison))} data-testid={`lesson-${id}-run`}>
          {busy ? "Starting…" : experiment ? "▶ Run again" : "▶ Run experiment"}
        </button>
        {past.length > 1 && experiment && (
          <label className="muted small tc-inline-field">
            earlier
            <select value={experiment.id} onChange={(e) => void open(Number(e.target.value))} data-testid={`lesson-${id}-past`}>
              {past.map((x) => <option key={x.id} value={x.id}>{x.name} · {new Date(x.created_at).toLocaleString()}</option>)}
            </select>
          </label>
        )}
        {experiment && (
          <a className="small" href={`#/compare?ids=${experiment.run_ids.join(",")}&experiment=${experiment.id}`} data-testid={`lesson-${id}-compare`}>Open in comparison →</a>
        )}
      </div>
      {error && <div className="tc-error-box" data-testid={`lesson-${id}-error`}>{error}</div>}
      {experiment && (
        <>
          <div className="muted tc-lesson-past" data-testid={`lesson-${id}-shown`}>
            {experiment.name}, started {new Date(experiment.created_at).toLocaleString()}
          </div>
          <div className="tc-legend">
            {runs.map((r, i) => (
              <span key={r.id} className="tc-legend-item"><i style={{ background: runColor(i) }} />{runLabel(r)} <RunStatusBadge status={r.status} /></span>
            ))}
          </div>
          <div className="tc-charts">
            <OverlayChart runs={runs} curve="train_loss" title="Train loss" testId={`lesson-${id}-chart`} />
            {anyValue(alignCurves(runs, "test_loss")) && <OverlayChart runs={runs} curve="test_loss" title="Test loss" testId={`lesson-${id}-chart-test`} />}
            {anyValue(alignCurves(runs, "test_acc")) && <OverlayChart runs={runs} curve="train_loss_max" title="Worst batch loss per epoch" testId={`lesson-${id}-chart-max`} />}
            <FitsOverlay runs={runs} fits={fits} testId={`lesson-${id}-fits`} />
          </div>
          <WeightResults runs={runs} testId={`lesson-${id}`} />
        </>
      )}
    </div>
  );
}
