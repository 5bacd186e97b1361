import { describe, expect, it } from "vitest";
import type { RunEvent, RunRead } from "../api/runs";
import { applyEvent, applyEvents, column, emptyRun, fmtMetric, fromRead, duration } from "./runEvents";

const epoch = (seq: number, n: number, loss: number | string, extra: object = {}): RunEvent => ({
  run_id: 7, seq, type: "epoch", epoch: n, epochs: 4, train_loss: loss, elapsed_seconds: n, eta_seconds: 4 - n, ...extra,
}) as RunEvent;

describe("run event reducer", () => {
  it("follows a run from queued to succeeded", () => {
    const s = applyEvents(emptyRun(7), [
      { run_id: 7, seq: 1, type: "queued", epochs: 4 },
      { run_id: 7, seq: 2, type: "started", pid: 1, command: [] },
      epoch(3, 1, 1.5, { test_loss: 1.2, lr: 0.01 }),
      { run_id: 7, seq: 4, type: "progress", epoch: 2, epochs: 4, step: 1, steps: 2, loss: 1, fraction: 0.375, elapsed_seconds: 2, eta_seconds: 3 },
      epoch(5, 2, 1.0),
      { run_id: 7, seq: 6, type: "fit", x: [0, 1], y: [0, 1.5], train: [[0, 0.1]], test: [[1, 1.4]] },
      { run_id: 7, seq: 7, type: "finished", status: "succeeded", exit_code: 0, error: null, seconds: 9 },
    ]);
    expect(s.status).toBe("succeeded");
    expect(s.epochsTotal).toBe(4);
    expect(s.epochs.map((r) => r.epoch)).toEqual([1, 2]);
    expect(column(s.epochs, "test_loss")).toEqual([1.2, null]);
    expect(s.fit?.y).toEqual([0, 1.5]);
    expect(s.progress).toMatchObject({ epoch: 2, fraction: 1, eta_seconds: 0 });
    expect(s.seconds).toBe(9);
  });

  it("starts over when a stopping worker hands the run back to the queue", () => {
    const s = applyEvents(emptyRun(7), [
      { run_id: 7, seq: 1, type: "queued", epochs: 4 },
      { run_id: 7, seq: 2, type: "started", pid: 1, command: [] },
      epoch(3, 1, 1.5),
      { run_id: 7, seq: 4, type: "queued", epochs: 4, note: "the worker running this run was stopped" },
    ]);
    expect(s.status).toBe("queued");
    expect(s.epochs).toEqual([]);
    expect(s.progress).toBeNull();
    expect(s.seq).toBe(4);
    expect(applyEvent(s, epoch(6, 1, 1.4)).epochs.map((r) => r.train_loss)).toEqual([1.4]);
  });

  it("is running on the first epoch and takes progress from the furthest of epoch and batch events", () => {
    let s = applyEvent(emptyRun(7), { run_id: 7, seq: 4, type: "progress", epoch: 2, epochs: 4, step: 1, steps: 2, loss: 1, fraction: 0.375, elapsed_seconds: 2, eta_seconds: 3 });
    expect(s.status).toBe("running");
    s = applyEvent(s, epoch(5, 2, 1.0));
    expect(s.progress?.fraction).toBe(0.5);
  });

  it("drops a replayed event (same or older seq) and keeps the same object", () => {
    const a = applyEvents(emptyRun(7), [epoch(3, 1, 1.5), epoch(4, 2, 1.1)]);
    const b = applyEvent(a, epoch(4, 2, 1.1));
    expect(b).toBe(a);
    expect(applyEvent(a, epoch(2, 1, 1.5))).toBe(a);
    expect(a.epochs).toHaveLength(2);
  });

  it("reads a diverged loss as a gap, and formats it", () => {
    const s = applyEvents(emptyRun(7), [epoch(1, 1, "NaN"), epoch(2, 2, "Infinity"), epoch(3, 3, 0.5)]);
    expect(column(s.epochs, "train_loss")).toEqual([null, null, 0.5]);
    expect(fmtMetric("NaN")).toBe("NaN");
    expect(fmtMetric("Infinity")).toBe("∞");
    expect(fmtMetric(0.000012345)).toBe("1.23e-5");
    expect(fmtMetric(0.123456)).toBe("0.1235");
  });

  it("keeps the error of a failed run, and a cancelled run's progress", () => {
    const s = applyEvents(emptyRun(7), [
      epoch(1, 1, 1.0),
      { run_id: 7, seq: 2, type: "finished", status: "cancelled", exit_code: null, error: "cancelled by the user", seconds: 3 },
    ]);
    expect(s.status).toBe("cancelled");
    expect(s.error).toBe("cancelled by the user");
    expect(s.progress?.fraction).toBe(0.25);
  });

  it("builds the same view from a stored run", () => {
    const read = {
      id: 3, status: "succeeded", config: { epochs: 2 }, error: null,
      started_at: "2026-01-01T00:00:00Z", finished_at: "2026-01-01T00:01:05Z",
      metrics: { epochs: [{ epoch: 1, train_loss: 1 }, { epoch: 2, train_loss: 0.5 }], curves: {}, final: null, max_train_loss: 1, fit: null, confusion: [[3, 1], [0, 4]], progress: null },
    } as unknown as RunRead;
    const s = fromRead(read);
    expect(s).toMatchObject({ id: 3, status: "succeeded", epochsTotal: 2, seconds: 65, confusion: [[3, 1], [0, 4]] });
    expect(s.progress).toMatchObject({ epoch: 2, epochs: 2, fraction: 1 });
    expect(duration(s.seconds)).toBe("1 m 05 s");
  });
});
