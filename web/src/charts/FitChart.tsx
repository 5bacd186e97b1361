// A 1-D regression: the fitted curve over the train and test points (the seed's figures).
import { useMemo } from "react";
import type { Fit } from "../api/runs";
import { alignSeries } from "./align";
import { UPlotChart, type SeriesSpec } from "./UPlotChart";

const SERIES: SeriesSpec[] = [
  { label: "fit", color: "#2563eb", width: 2 },
  { label: "train", color: "#dc2626", points: true },
  { label: "test", color: "#16a34a", points: true },
];

export function FitChart({ fit, testId = "fit-chart", title = "Fitted curve", height }: { fit: Fit; testId?: string; title?: string; height?: number }) {
  const data = useMemo(
    () =>
      alignSeries(
        [fit.x, fit.train.map((p) => p[0]), fit.test.map((p) => p[0])],
        [fit.y, fit.train.map((p) => p[1]), fit.test.map((p) => p[1])],
      ),
    [fit],
  );
  return <UPlotChart testId={testId} title={title} data={data} series={SERIES} xLabel="x" height={height} />;
}
