// Curves of several runs overlaid: one colour per run, the legend names each run by its label.
import { useMemo } from "react";
import type { ComparedRun } from "../api/runs";
import { alignCurves, anyValue } from "../charts/align";
import { toPercent } from "../charts/ticks";
import { runColor } from "../charts/palette";
import { UPlotChart } from "../charts/UPlotChart";

export const runLabel = (r: ComparedRun) => r.label || `#${r.id} ${r.name}`;

const CURVES: [key: string, title: string, testId: string][] = [
  ["train_loss", "Train loss", "compare-chart-train_loss"],
  ["test_loss", "Test loss", "compare-chart-test_loss"],
  ["test_acc", "Test accuracy (%)", "compare-chart-test_acc"],
  ["train_loss_max", "Worst batch loss", "compare-chart-train_loss_max"],
  ["lr", "Learning rate", "compare-chart-lr"],
];

export function OverlayChart({ runs, curve, title, testId, height }: { runs: ComparedRun[]; curve: string; title: string; testId: string; height?: number }) {
  const percent = curve === "test_acc"; // accuracy is a percentage in every chart
  const data = useMemo(() => {
    const aligned = alignCurves(runs, curve);
    return percent ? ([aligned[0], ...aligned.slice(1).map((ys) => ys.map(toPercent))] as typeof aligned) : aligned;
  }, [runs, curve, percent]);
  const series = useMemo(() => runs.map((r, i) => ({ label: runLabel(r), color: runColor(i) })), [runs]);
  return <UPlotChart testId={testId} title={title} data={data} series={series} intX xLabel="epoch" height={height} unit={percent ? " %" : undefined} />;
}

export function CompareCharts({ runs, only }: { runs: ComparedRun[]; only?: string[] }) {
  const shown = CURVES.filter(([key]) => (only ? only.includes(key) : true)).filter(
    ([key]) => key === "train_loss" || anyValue(alignCurves(runs, key)),
  );
  return (
    <div className="tc-charts">
      {shown.map(([key, title, testId]) => <OverlayChart key={key} runs={runs} curve={key} title={title} testId={testId} />)}
    </div>
  );
}
