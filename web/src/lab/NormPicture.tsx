// The "group norm" figure: an N × C grid, each cell a small block of the spatial positions.
// Blue: the values that share one mean and variance with the hovered one (first one by default).
import { useMemo, useState } from "react";
import type { Normalization } from "../api/runs";
import { indices, statKey } from "./normGroups";

const CAP_NC = 8;
const CAP_SPATIAL = 6;

export function NormPicture({ norm }: { norm: Normalization }) {
  const shape = norm.input_shape;
  const [hover, setHover] = useState<number[]>(() => shape.map(() => 0));
  const target = statKey(norm, hover.length === shape.length ? hover : shape.map(() => 0));
  const spatial = shape.slice(2);
  const cols = spatial.length ? Math.min(spatial[spatial.length - 1], CAP_SPATIAL) : 1;
  const positions = useMemo(() => indices(spatial, CAP_SPATIAL), [spatial.join()]); // eslint-disable-line react-hooks/exhaustive-deps
  const nShown = Math.min(shape[0], CAP_NC);
  const cShown = Math.min(shape[1], CAP_NC);
  const groupOf = (c: number) => norm.groups?.findIndex((g) => g.includes(c)) ?? -1;
  return (
    <div className="tc-norm-picture" data-testid="norm-picture" data-key={target}>
      <div className="tc-norm-grid" style={{ gridTemplateColumns: `28px repeat(${cShown}, auto)` }}>
        <span className="tc-norm-axis">N \ C</span>
        {Array.from({ length: cShown }, (_, c) => (
          <span key={c} className="tc-norm-axis">
            {c}
            {norm.groups && <i className="tc-norm-group" style={{ background: `hsl(${(groupOf(c) * 67) % 360} 60% 60%)` }} title={`group ${groupOf(c)}`} />}
          </span>
        ))}
        {Array.from({ length: nShown }, (_, n) => [
          <span key={`n${n}`} className="tc-norm-axis">{n}</span>,
          ...Array.from({ length: cShown }, (_, c) => (
            <div key={`${n}-${c}`} className="tc-norm-cell" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)` }} data-testid={`norm-cell-${n}-${c}`}>
              {positions.map((p) => {
                const index = [n, c, ...p];
                const on = statKey(norm, index) === target;
                return <span key={p.join()} className={on ? "on" : ""} onMouseEnter={() => setHover(index)} />;
              })}
            </div>
          )),
        ])}
      </div>
      {(shape[0] > CAP_NC || shape[1] > CAP_NC || spatial.some((d) => d > CAP_SPATIAL)) && (
        <div className="muted small">Large dims are drawn cut to their first {CAP_NC} samples/channels and {CAP_SPATIAL} positions.</div>
      )}
    </div>
  );
}
