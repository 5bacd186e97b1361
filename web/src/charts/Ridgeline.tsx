// Weight histograms over time, as TensorBoard's "offset" view: one filled curve per logged epoch,
// the oldest at the back (top, light), the newest at the front (bottom, dark).
import { useMemo } from "react";
import type { Histogram } from "../api/runs";
import { fmtMetric } from "../store/runEvents";

const W = 520;
const ROW = 9;
const PEAK = 36;
const PAD = { left: 8, right: 56, top: 8, bottom: 22 };
const MAX_ROWS = 24;

export function Ridgeline({ rows }: { rows: Histogram[] }) {
  const shown = useMemo(() => {
    if (rows.length <= MAX_ROWS) return rows;
    const step = (rows.length - 1) / (MAX_ROWS - 1);
    return Array.from({ length: MAX_ROWS }, (_, i) => rows[Math.round(i * step)]);
  }, [rows]);
  const lo = Math.min(...shown.map((r) => r.edges[0]));
  const hi = Math.max(...shown.map((r) => r.edges[r.edges.length - 1]));
  const peak = Math.max(1e-12, ...shown.map((r) => Math.max(...r.counts.map((c, i) => c / Math.max(1e-12, r.edges[i + 1] - r.edges[i])))));
  const height = PAD.top + PEAK + ROW * (shown.length - 1) + PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - lo) / (hi - lo || 1)) * (W - PAD.left - PAD.right);
  const base = (i: number) => PAD.top + PEAK + ROW * i;
  return (
    <svg className="tc-ridgeline" viewBox={`0 0 ${W} ${height}`} width={W} height={height} data-rows={shown.length}>
      {shown.map((r, i) => {
        const y0 = base(i);
        // density, so that bins of different widths compare
        const pts = r.counts.map((c, k) => {
          const mid = (r.edges[k] + r.edges[k + 1]) / 2;
          const d = c / Math.max(1e-12, r.edges[k + 1] - r.edges[k]);
          return `${sx(mid).toFixed(1)},${(y0 - (d / peak) * PEAK).toFixed(1)}`;
        });
        const first = sx(r.edges[0]).toFixed(1);
        const last = sx(r.edges[r.edges.length - 1]).toFixed(1);
        const t = shown.length > 1 ? i / (shown.length - 1) : 1;
        const fill = `hsl(24 85% ${90 - t * 35}%)`;
        return (
          <g key={r.epoch}>
            <path d={`M${first},${y0} L${pts.join(" L")} L${last},${y0} Z`} fill={fill} stroke="hsl(24 70% 40%)" strokeOpacity={0.35 + 0.5 * t} strokeWidth={0.7} />
            {(i === 0 || i === shown.length - 1 || i % 8 === 0) && (
              <text x={W - PAD.right + 6} y={y0} className="tc-ridge-label">ep {r.epoch}</text>
            )}
          </g>
        );
      })}
      {[lo, (lo + hi) / 2, hi].map((x, i) => (
        <text key={i} x={sx(x)} y={height - 6} className="tc-ridge-label" textAnchor={(["start", "middle", "end"] as const)[i]}>{fmtMetric(x)}</text>
      ))}
    </svg>
  );
}
