// Per-layer output shape, params and FLOPs, in data-flow order, with totals.
import type { Body, NodeResult } from "../api/types";
import { formatCount, formatShape } from "../graph/format";
import { topoOrder } from "../graph/topo";
import { NO_RESULT, useCheck } from "../store/check";
import { currentBody, useDoc } from "../store/doc";

/**
 * The table for one body and its check results. `totals` (the model's own, from the check) wins
 * over the sum of the rows, which is what a module definition shows.
 */
export function SummaryTable({ body, nodes, totals }: {
  body: Body;
  nodes: Record<string, NodeResult> | undefined;
  totals?: { params: number; flops: number };
}) {
  let params = 0, flops = 0;
  const rows = topoOrder(body).map((n) => {
    const r = nodes?.[n.id];
    params += r?.params ?? 0;
    flops += r?.flops ?? 0;
    const shape = r ? (n.kind === "output" ? r.inputs.in : Object.values(r.outputs)[0]) : undefined;
    const type = n.kind === "layer" ? n.type : n.kind === "module" ? n.module : n.kind;
    return (
      <tr key={n.id} data-testid={`summary-row-${n.id}`} className={r?.errors.length ? "error" : ""}>
        <td>{n.name || n.id}<div className="muted">{type}</div></td>
        <td><code>{formatShape(shape)}</code></td>
        <td className="num">{(r?.params ?? 0).toLocaleString()}</td>
        <td className="num">{formatCount(r?.flops ?? 0)}</td>
      </tr>
    );
  });
  return (
    <table className="tc-summary" data-testid="summary-panel">
      <thead><tr><th>Layer</th><th>Output</th><th className="num">Params</th><th className="num">FLOPs</th></tr></thead>
      <tbody>{rows}</tbody>
      <tfoot>
        <tr>
          <td>Total</td>
          <td />
          <td className="num" data-testid="summary-total-params">{(totals?.params ?? params).toLocaleString()}</td>
          <td className="num" data-testid="summary-total-flops">{formatCount(totals?.flops ?? flops)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

export function SummaryPanel() {
  const body = useDoc(currentBody);
  const path = useDoc((s) => s.path);
  const result = useCheck((s) => s.result);
  if (!result || result === NO_RESULT) return <div className="muted pad">Waiting for the first check…</div>;
  const nodes = path === null ? result.nodes : result.modules?.[path];
  const totals = path === null ? { params: result.total_params, flops: result.total_flops } : undefined;
  const frozen = path === null ? result.frozen_params ?? 0 : 0;
  return (
    <>
      <SummaryTable body={body} nodes={nodes} totals={totals} />
      {frozen > 0 && (
        <div className="muted small pad" data-testid="summary-frozen">
          Training: {(result.total_params - frozen).toLocaleString()} params trainable, {frozen.toLocaleString()} frozen (Training tab → Frozen layers)
        </div>
      )}
    </>
  );
}
