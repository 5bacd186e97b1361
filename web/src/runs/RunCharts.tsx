// The live charts of one run: loss (train, test, worst batch), accuracy (and mean IoU for segmentation), learning rate, time per
// epoch; and, when the run sends them, the fitted curve and the confusion matrix.
import { useMemo, useState } from "react";
import type { Aligned } from "../charts/align";
import { ConfusionGrid } from "../charts/ConfusionGrid";
import { FitChart } from "../charts/FitChart";
import { toPercent } from "../charts/ticks";
import { UPlotChart, type SeriesSpec } from "../charts/UPlotChart";
import { column, hasValues, lossParts, type RunLive } from "../store/runEvents";

// A detector's losses, each its own colour (FCOS has 3, Faster R-CNN 4).
const PART_COLORS = ["#0891b2", "#db2777", "#ca8a04", "#4f46e5"];

const positive = (xs: (number | null)[]) => xs.map((v) => (v !== null && v > 0 ? v : null));

/** `classNames`: the data set's classes, to label the confusion matrix (the catalog's class_names). */
export function RunCharts({ run, classNames }: { run: RunLive; classNames?: string[] | null }) {
  const [logLoss, setLogLoss] = useState(false);
  const c = useMemo(() => {
    const rows = run.epochs;
    const epoch = rows.map((r) => r.epoch);
    const get = (k: Parameters<typeof column>[1]) => column(rows, k);
    return {
      epoch, train: get("train_loss"), worst: get("train_loss_max"), test: get("test_loss"),
      acc: get("test_acc"), miou: get("test_miou"), lr: get("lr"), seconds: get("seconds"),
      map50: get("map50"), map: get("map"), parts: lossParts(rows),
    };
  }, [run.epochs]);

  const loss = useMemo(() => {
    const f = logLoss ? positive : (x: (number | null)[]) => x;
    const series: SeriesSpec[] = [{ label: "train", color: "#2563eb" }];
    const data: (number | null)[][] = [f(c.train)];
    if (hasValues(c.test)) (series.push({ label: "test", color: "#ea580c" }), data.push(f(c.test)));
    Object.entries(c.parts).forEach(([name, ys], i) => (series.push({ label: name, color: PART_COLORS[i % PART_COLORS.length] }), data.push(f(ys))));
    return { series, data: [c.epoch, ...data] as Aligned };
  }, [c, logLoss]);
  const one = (ys: (number | null)[]) => [c.epoch, ys] as Aligned;
  const accData = useMemo(() => one(c.acc.map(toPercent)), [c]); // eslint-disable-line react-hooks/exhaustive-deps
  const miouData = useMemo(() => one(c.miou.map(toPercent)), [c]); // eslint-disable-line react-hooks/exhaustive-deps
  const segmentation = hasValues(c.miou); // test_acc is then the share of pixels classed right
  const mapData = useMemo(() => [c.epoch, c.map50.map(toPercent), c.map.map(toPercent)] as Aligned, [c]);
  const lrData = useMemo(() => one(c.lr), [c]); // eslint-disable-line react-hooks/exhaustive-deps
  const timeData = useMemo(() => one(c.seconds), [c]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className="tc-charts">
      <div className="tc-chart-wrap">
        <button className={`link small tc-chart-toggle${logLoss ? " on" : ""}`} onClick={() => setLogLoss((v) => !v)} data-testid="chart-loss-log">
          log scale
        </button>
        <UPlotChart testId="chart-loss" title="Loss" data={loss.data} series={loss.series} intX xLabel="epoch" logY={logLoss} />
      </div>
      {segmentation && (
        <UPlotChart testId="chart-miou" title="Test mean IoU (%)" data={miouData} series={[{ label: "mIoU", color: "#0891b2" }]} intX xLabel="epoch" unit=" %" />
      )}
      {hasValues(c.acc) && (
        <UPlotChart testId="chart-accuracy" title={segmentation ? "Test pixel accuracy (%)" : "Test accuracy (%)"} data={accData}
          series={[{ label: segmentation ? "pixel accuracy" : "accuracy", color: "#16a34a" }]} intX xLabel="epoch" unit=" %" />
      )}
      {hasValues(c.map50) && (
        <UPlotChart testId="chart-map" title="Test mAP (%)" data={mapData} series={[{ label: "mAP@0.5", color: "#16a34a" }, { label: "mAP@[.5:.95]", color: "#0d9488" }]} intX xLabel="epoch" unit=" %" />
      )}
      <UPlotChart testId="chart-lr" title="Learning rate" data={lrData} series={[{ label: "lr", color: "#9333ea" }]} intX xLabel="epoch" />
      <UPlotChart testId="chart-time" title="Seconds per epoch" data={timeData} series={[{ label: "seconds", color: "#64748b" }]} intX xLabel="epoch" />
      {run.fit && <FitChart fit={run.fit} />}
      {run.confusion && <ConfusionGrid matrix={run.confusion} classNames={classNames} />}
    </div>
  );
}
