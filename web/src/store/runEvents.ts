// The view of one run built from its events: a pure reducer (SSE events in, state out), and the
// same state from a stored run (GET /runs/{id}). No React, no fetch: tested in runEvents.test.ts.
import type { EpochRow, Fit, Num, ProgressInfo, RunEvent, RunRead, RunStatus } from "../api/runs";

export interface RunLive {
  id: number;
  status: RunStatus;
  /** Highest event seq applied: a replayed or duplicated event is dropped. */
  seq: number;
  epochsTotal: number | null;
  epochs: EpochRow[];
  progress: ProgressInfo | null;
  fit: Fit | null;
  confusion: number[][] | null;
  error: string | null;
  /** Wall time of the whole run once finished. */
  seconds: number | null;
}

export const emptyRun = (id: number, status: RunStatus = "queued"): RunLive => ({
  id, status, seq: 0, epochsTotal: null, epochs: [], progress: null, fit: null, confusion: null, error: null, seconds: null,
});

/** A JSON number or "NaN"/"Infinity" string as a plottable number (null for a gap). */
export function num(v: Num | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

export function applyEvent(s: RunLive, e: RunEvent): RunLive {
  if (e.seq && e.seq <= s.seq) return s;
  const seq = Math.max(s.seq, e.seq || 0);
  switch (e.type) {
    case "queued":
      // With a note: a stopping worker handed the run back to the queue; it starts over.
      if (e.note) return { ...emptyRun(s.id), seq, epochsTotal: e.epochs };
      return { ...s, seq, epochsTotal: e.epochs };
    case "started":
      return { ...s, seq, status: "running" };
    case "progress":
      return {
        ...s, seq, status: "running", epochsTotal: e.epochs,
        progress: { epoch: e.epoch, epochs: e.epochs, fraction: e.fraction, eta_seconds: e.eta_seconds, loss: e.loss },
      };
    case "epoch": {
      const row: EpochRow = {
        epoch: e.epoch, train_loss: e.train_loss, train_loss_max: e.train_loss_max, test_loss: e.test_loss,
        test_acc: e.test_acc, test_miou: e.test_miou, lr: e.lr, seconds: e.seconds,
      };
      if (e.map50 !== undefined && e.map50 !== null) Object.assign(row, { map50: e.map50, map: e.map, losses: e.losses ?? null });
      const fraction = Math.max(s.progress?.fraction ?? 0, e.epoch / e.epochs);
      return {
        ...s, seq, status: "running", epochsTotal: e.epochs, epochs: [...s.epochs, row],
        progress: { epoch: e.epoch, epochs: e.epochs, fraction, eta_seconds: e.eta_seconds, loss: e.train_loss },
      };
    }
    case "fit":
      return { ...s, seq, fit: { x: e.x, y: e.y, train: e.train, test: e.test } };
    case "confusion":
      return { ...s, seq, confusion: e.matrix };
    case "finished":
      return {
        ...s, seq, status: e.status, error: e.error, seconds: e.seconds,
        progress: s.progress && e.status === "succeeded" ? { ...s.progress, fraction: 1, eta_seconds: 0 } : s.progress,
      };
  }
}

/** Apply events in order (a batch flushed at once). */
export const applyEvents = (s: RunLive, events: RunEvent[]): RunLive => events.reduce(applyEvent, s);

export function fromRead(r: RunRead): RunLive {
  const m = r.metrics;
  const total = (r.config?.epochs as number | undefined) ?? null;
  const seconds = r.started_at && r.finished_at ? (Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000 : null;
  const last = m.epochs[m.epochs.length - 1];
  const progress = m.progress
    ? { ...m.progress, epochs: total ?? m.progress.epoch }
    : last && total ? { epoch: last.epoch, epochs: total, fraction: last.epoch / total, eta_seconds: null } : null;
  return {
    id: r.id, status: r.status, seq: 0, epochsTotal: total, epochs: m.epochs, fit: m.fit, confusion: m.confusion,
    error: r.error, seconds,
    progress: progress && r.status === "succeeded" ? { ...progress, fraction: 1, eta_seconds: 0 } : progress,
  };
}

/** Column `key` of the epoch rows, as plottable numbers. */
export const column = (rows: EpochRow[], key: Exclude<keyof EpochRow, "losses">): (number | null)[] => rows.map((r) => num(r[key] as Num));

/** A detector's losses, one column per name (in the order of the first row that has them). */
export function lossParts(rows: EpochRow[]): Record<string, (number | null)[]> {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.losses ?? {})))];
  return Object.fromEntries(names.map((n) => [n, rows.map((r) => num(r.losses?.[n] ?? null))]));
}

export const hasValues = (xs: (number | null)[]) => xs.some((x) => x !== null);

/** "1 m 05 s", "12 s" */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} m`;
}

/** A metric for a table cell: 4 significant digits, "NaN" / "∞" for a diverged value. */
/** Accuracy as every view shows it: a percentage with one decimal ("95.3 %"). Runs report a fraction. */
export function fmtAccuracy(v: Num | undefined): string {
  const n = num(v ?? null);
  if (n === null) return v === null || v === undefined ? "–" : fmtMetric(v);
  return `${(n <= 1 ? n * 100 : n).toFixed(1)} %`;
}

export function fmtMetric(v: Num | undefined): string {
  if (v === null || v === undefined) return "–";
  const n = typeof v === "number" ? v : Number(v);
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "−∞";
  if (n !== 0 && (Math.abs(n) < 1e-3 || Math.abs(n) >= 1e5)) return n.toExponential(2);
  return String(Number(n.toPrecision(4)));
}
