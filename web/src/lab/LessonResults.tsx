// What a lesson claims, shown for its finished runs: the fitted curves overlaid on the data, the
// weights' norm over the epochs, and the last epoch's weight histograms overlaid, with a table
// of each weight's final norm.
import { useEffect, useMemo, useState } from "react";
import { runsApi, type ComparedRun, type Fit, type Histogram } from "../api/runs";
import { alignSeries } from "../charts/align";
import { runColor } from "../charts/palette";
import { UPlotChart, type SeriesSpec } from "../charts/UPlotChart";
import { runLabel } from "../runs/CompareCharts";
import { fmtMetric } from "../store/runEvents";
import { density, finalNorms, largestWeight, weightNormCurve } from "./lessonResults";

type Params = Record<string, Histogram[]>;

/** Every run's fitted curve on one chart, over the training points (the same for every run). */
export function FitsOverlay({ runs, fits, testId }: { runs: ComparedRun[]; fits: Record<number, Fit>; testId: string }) {
  const shown = runs.map((r, i) => ({ r, i, fit: fits[r.id] })).filter((x) => x.fit);
  const data = useMemo(() => {
    const first = shown[0]?.fit;
    if (!first) return null;
    return alignSeries(
      [...shown.map((s) => s.fit.x), first.train.map((p) => p[0]), first.test.map((p) => p[0])],
      [...shown.map((s) => s.fit.y), first.train.map((p) => p[1]), first.test.map((p) => p[1])],
    );
  }, [shown.map((s) => s.r.id).join(",")]); // eslint-disable-line react-hooks/exhaustive-deps
  const series: SeriesSpec[] = useMemo(
    () => [
      ...shown.map((s) => ({ label: `fit: ${runLabel(s.r)}`, color: runColor(s.i), width: 2 })),
      { label: "train points", color: "#111827", points: true },
      { label: "test points", color: "#9ca3af", points: true },
    ],
    [shown.map((s) => s.r.id).join(",")], // eslint-disable-line react-hooks/exhaustive-deps
  );
  if (!data) return null;
  return <UPlotChart testId={testId} title="Fitted curves, overlaid" data={data} series={series} xLabel="x" height={220} />;
}

/** The runs' weight histograms (GET /runs/{id}/histograms), once each run is done. A run that
 *  has only just finished may not have its last event file readable yet: an empty or failed
 *  answer is asked again, every 2 s, up to 10 times. */
function useHistograms(runIds: number[]): Record<number, Params> {
  const [all, setAll] = useState<Record<number, Params>>({});
  const [tries, setTries] = useState(0);
  const key = runIds.join(",");
  useEffect(() => {
    const missing = runIds.filter((id) => !all[id]);
    if (!missing.length) return;
    let retry = false;
    const asks = missing.map((id) =>
      runsApi.histograms(id).then(
        (h) => (Object.keys(h.params).length ? setAll((a) => ({ ...a, [id]: h.params })) : (retry = true)),
        () => (retry = true),
      ),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    void Promise.all(asks).then(() => {
      if (retry && tries < 10) timer = setTimeout(() => setTries((t) => t + 1), 2000);
    });
    return () => clearTimeout(timer);
  }, [key, tries]); // eslint-disable-line react-hooks/exhaustive-deps
  return all;
}

export function WeightResults({ runs, testId }: { runs: ComparedRun[]; testId: string }) {
  const done = runs.map((r, i) => ({ r, i })).filter((x) => x.r.status === "succeeded");
  const hist = useHistograms(done.map((x) => x.r.id));
  const ready = done.filter((x) => hist[x.r.id] && Object.keys(hist[x.r.id]).length);
  const names = useMemo(() => {
    const first = ready[0] ? hist[ready[0].r.id] : {};
    return Object.keys(first).filter((n) => n.endsWith("weight"));
  }, [ready.length]); // eslint-disable-line react-hooks/exhaustive-deps
  const [param, setParam] = useState<string | null>(null);
  const chosen = param && names.includes(param) ? param : ready[0] ? largestWeight(hist[ready[0].r.id]) : null;

  const norms = useMemo(() => {
    const curves = ready.map((x) => weightNormCurve(hist[x.r.id]));
    return alignSeries(curves.map((c) => c.epoch), curves.map((c) => c.norm));
  }, [ready.length, hist]); // eslint-disable-line react-hooks/exhaustive-deps
  const overlay = useMemo(() => {
    if (!chosen) return null;
    const ds = ready.map((x) => {
      const rows = hist[x.r.id][chosen] ?? [];
      return rows.length ? density(rows[rows.length - 1]) : { x: [], y: [] };
    });
    return alignSeries(ds.map((d) => d.x), ds.map((d) => d.y));
  }, [chosen, ready.length, hist]); // eslint-disable-line react-hooks/exhaustive-deps
  const series = useMemo(() => ready.map((x) => ({ label: runLabel(x.r), color: runColor(x.i) })), [ready.length]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!ready.length) return null;
  const last = ready.map((x) => finalNorms(hist[x.r.id]));
  return (
    <div className="tc-lesson-weights-box" data-testid={`${testId}-weights`}>
      <div className="tc-charts">
        <UPlotChart testId={`${testId}-norm`} title="Weight norm ‖W‖ (all weight matrices)" data={norms} series={series} intX xLabel="epoch" />
        {overlay && (
          <div>
            <UPlotChart testId={`${testId}-hist`} title={`Weights of ${chosen} after the last epoch (density)`} data={overlay} series={series} xLabel="weight value" />
            {names.length > 1 && (
              <label className="muted small">
                parameter{" "}
                <select value={chosen ?? ""} onChange={(e) => setParam(e.target.value)} data-testid={`${testId}-hist-param`}>
                  {names.map((n) => <option key={n} value={n}>{n}</option>)}
                </select>
              </label>
            )}
          </div>
        )}
      </div>
      <table className="tc-lesson-weights" data-testid={`${testId}-norms`}>
        <thead>
          <tr><th>final ‖W‖</th>{ready.map((x) => <th key={x.r.id} style={{ color: runColor(x.i) }}>{runLabel(x.r)}</th>)}</tr>
        </thead>
        <tbody>
          {names.map((n) => (
            <tr key={n}><td>{n}</td>{last.map((l, k) => <td key={k}>{fmtMetric(l[n] ?? null)}</td>)}</tr>
          ))}
          <tr><td><b>all weights</b></td>{ready.map((x) => {
            const c = weightNormCurve(hist[x.r.id]).norm;
            return <td key={x.r.id}><b>{fmtMetric(c[c.length - 1] ?? null)}</b></td>;
          })}</tr>
        </tbody>
      </table>
    </div>
  );
}
