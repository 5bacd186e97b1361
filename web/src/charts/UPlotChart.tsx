// A uPlot chart as a React component: created once per set of series, fed new data in place
// (setData keeps it cheap while metrics stream in), resized with its container.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Aligned } from "./align";
import { formatLegend, formatTicks, lastIndex } from "./ticks";

export interface SeriesSpec {
  label: string;
  color: string;
  dash?: number[];
  /** Draw points only, no line (data points of a fit). */
  points?: boolean;
  width?: number;
}

interface Props {
  testId: string;
  title: string;
  data: Aligned;
  series: SeriesSpec[];
  height?: number;
  xLabel?: string;
  logY?: boolean;
  /** x is an epoch: integer ticks. */
  intX?: boolean;
  /** After each value in the legend (" %"). */
  unit?: string;
}

/** Away from the cursor the legend shows the latest values, not uPlot's "--". */
function legendAtLast(u: uPlot): void {
  if (u.cursor.idx !== null && u.cursor.idx !== undefined) return;
  const i = lastIndex(u.data as (number | null)[][]);
  if (i !== null) u.setLegend({ idx: i }, false);
}

function options(p: Props, width: number): uPlot.Options {
  return {
    width,
    height: p.height ?? 170,
    legend: { show: true, live: true },
    hooks: { setCursor: [legendAtLast], setData: [legendAtLast], ready: [legendAtLast] },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: false }, y: p.logY ? { distr: 3 } : {} },
    axes: [
      {
        stroke: "#6b7482", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#e3e6eb" }, size: 30,
        label: p.xLabel, labelSize: p.xLabel ? 14 : 0, font: "10px system-ui", labelFont: "10px system-ui",
        ...(p.intX ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] } : {}),
      },
      {
        stroke: "#6b7482", grid: { stroke: "#eef0f3" }, ticks: { stroke: "#e3e6eb" }, size: 50, font: "10px system-ui",
        values: (_u, splits) => formatTicks(splits),
      },
    ],
    series: [
      { label: p.xLabel ?? "x" },
      ...p.series.map((s): uPlot.Series => ({
        label: s.label,
        value: (_u, v) => formatLegend(v, p.unit),
        stroke: s.color,
        width: s.width ?? 1.5,
        dash: s.dash,
        spanGaps: !s.points,
        ...(s.points
          ? { paths: () => null, points: { show: true, size: 6, fill: s.color, stroke: s.color } }
          : { points: { show: false } }),
      })),
    ],
  };
}

export function UPlotChart(p: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useRef(p.data);
  data.current = p.data;
  const signature = JSON.stringify([p.series, p.logY, p.height, p.xLabel, p.unit]);

  useEffect(() => {
    const el = box.current!;
    const u = new uPlot(options(p, Math.max(160, el.clientWidth)), data.current as uPlot.AlignedData, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(160, el.clientWidth);
      if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: p.height ?? 170 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signature]);

  useEffect(() => {
    plot.current?.setData(p.data as uPlot.AlignedData);
  }, [p.data]);

  return (
    <figure className="tc-chart" data-testid={p.testId} data-points={p.data[0].length} data-series={p.series.length}>
      <figcaption>{p.title}</figcaption>
      <div ref={box} className="tc-chart-box" />
    </figure>
  );
}
