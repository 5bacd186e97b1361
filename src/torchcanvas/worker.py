"""The run worker: claims queued runs from the database and executes them.

``torchcanvas worker`` runs one in a process of its own (``serve`` starts one as its child); an
app made by ``create_app()`` runs one in a thread (settings.embedded_worker). Any number of them
may share a database:

- **Claims are atomic.** A worker takes the oldest queued run of a user below their quota of
  concurrent runs with one conditional UPDATE (queued -> running, and the user's running count
  below the quota, in the same statement). On PostgreSQL the candidate row is picked with
  ``SELECT ... FOR UPDATE SKIP LOCKED`` and the user's count is serialised by an advisory lock;
  on SQLite the statement holds the database's write lock. Each run executes exactly once.
- **Leases.** A claimed run names its worker (``Run.worker_id``) and carries a lease
  (``Run.heartbeat_at``) that the worker refreshes every ``run_heartbeat_s``. A run whose lease is
  older than ``run_lease_s`` belongs to a worker that died (kill -9, a lost machine): every
  worker, and every API process without one, marks such runs ``interrupted`` (``reap_expired``).
- **Cancel** is a request stored with the run (``cancel_requested_at``); the owning worker looks
  for requests every 0.2 s and kills the run's process group.
- **Graceful stop** (SIGTERM, SIGINT): stop claiming, kill the running runs and hand them back to
  the queue (a ``queued`` event tells the streams; their metrics events are dropped, the run
  starts over), exit.

The worker executes a run through an ``Executor`` (torchcanvas.runner.executor): train.py as a
local process group, or a Ray job. It turns the script's JSON lines into typed events
(torchcanvas.runner.events) and stores them; API processes stream them from the database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import queue
import secrets
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from torchcanvas.db.models import Run, RunEvent
from torchcanvas.graph.validate import GraphError
from torchcanvas.logs import bind_run, configure_logging
from torchcanvas.runner.events import (
    Confusion,
    EpochMetrics,
    FitCurve,
    Progress,
    RunFinished,
    RunQueued,
    RunStarted,
    RunStatus,
)
from torchcanvas.runner.events import RunEvent as Event
from torchcanvas.runner.executor import Execution, Executor, LaunchSpec, make_executor, run_env
from torchcanvas.runner.jobs import QUEUE_CHANNEL, add_events, last_seq, log_tail, train_args
from torchcanvas.runner.listen import PgListener
from torchcanvas.runner.threads import run_threads
from torchcanvas.settings import Settings

log = logging.getLogger("torchcanvas.worker")

OnStored = Callable[[int], None]
CANCEL_CHECK_S = 0.2
# What a user reads on a run whose worker died.
DEAD_WORKER = "the worker running this run stopped answering for {lease:g} s (it was killed, or its machine went down)"
HANDED_BACK = "the worker running this run was stopped; the run went back to the queue and starts over"
_CLAIM_LOCK = 7268617  # pg_advisory_xact_lock(_CLAIM_LOCK, owner): one claim per user at a time
_METRIC_EVENTS = ("started", "progress", "epoch", "fit", "confusion")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Active:
    """A run this worker is executing."""

    run_id: int
    epochs: int
    seq: int
    execution: Execution | None = None
    started: float = field(default_factory=time.monotonic)
    first: tuple[float, float] | None = None  # (time, fraction done) of the first progress seen
    cancelled: bool = False
    timed_out: bool = False
    handed_back: bool = False  # the worker is stopping: the run goes back to the queue
    lost: bool = False  # its lease expired and another process ended it: write nothing more
    finishing: bool = False
    done: threading.Event = field(default_factory=threading.Event)

    def kill(self) -> None:
        if self.execution is not None:
            self.execution.kill()


def reap_expired(sessions: sessionmaker[Session], lease_s: float, on_stored: OnStored | None = None) -> list[int]:
    """Mark ``interrupted`` the running runs whose lease expired (their worker died), each with
    its ``finished`` event in the same commit. Safe in any number of processes at once: each run
    is ended by one of them. Returns the ids of the runs this call ended."""
    cutoff = _utcnow() - timedelta(seconds=lease_s)
    expired = (Run.status == "running", or_(Run.heartbeat_at.is_(None), Run.heartbeat_at < cutoff))
    with sessions() as s:
        run_ids = list(s.scalars(select(Run.id).where(*expired)))
    why = DEAD_WORKER.format(lease=lease_s)
    ended = []
    for run_id in run_ids:
        with sessions() as s:
            result = s.execute(
                update(Run)
                .where(Run.id == run_id, *expired)
                .values(status="interrupted", error=why, finished_at=_utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]  # its worker answered, or another reaper was first
                s.rollback()
                continue
            add_events(s, [RunFinished(run_id=run_id, seq=last_seq(s, run_id) + 1, status="interrupted", error=why)])
            s.commit()
        log.warning("run %s: its worker stopped answering; marked interrupted", run_id)
        ended.append(run_id)
        if on_stored is not None:
            on_stored(run_id)
    return ended


def _may_use_cuda(config: dict[str, Any]) -> bool:
    """CUDA reserves far more address space than it uses: under RLIMIT_AS it fails to start, so
    the memory limit applies only to runs that will train on the CPU."""
    if config.get("device") == "cpu":
        return False
    import torch

    return bool(torch.cuda.is_available())


class Worker:
    """Claims and executes queued runs, ``concurrency`` at a time, until ``stop()``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        executor: Executor | None = None,
        *,
        concurrency: int | None = None,
        on_stored: OnStored | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.executor = executor or make_executor(settings)
        self.max_concurrent = concurrency or settings.worker_concurrency or settings.max_concurrent_runs
        self.quotas = settings.quotas
        self.runs_dir = settings.runs_dir
        self.data_dir = settings.data_dir
        self.time_limit_s = settings.run_time_limit_s or None
        self.memory_limit_mb = settings.run_memory_limit_mb or None
        self.id = f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.on_stored = on_stored
        self.postgres = sessions.kw["bind"].dialect.name == "postgresql"
        self._active: dict[int, _Active] = {}
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._woken = False
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._listener: PgListener | None = None
        self._replenished_at = 0.0

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._stopping = False
        if self.postgres:
            url = self.sessions.kw["bind"].url.render_as_string(hide_password=False)
            self._listener = PgListener(url, [QUEUE_CHANNEL], lambda _c, _p: self.wake(), "torchcanvas-worker-listen")
            self._listener.start()
        for target, name in ((self._dispatch, "dispatch"), (self._watch, "watch")):
            thread = threading.Thread(target=target, name=f"torchcanvas-worker-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("worker %s: up to %d run(s) at once", self.id, self.max_concurrent)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; kill the running runs, which go back to the queue; return when done."""
        with self._wake:
            self._stopping = True
            active = list(self._active.values())
            self._wake.notify_all()
        for a in active:
            a.handed_back = True
            a.kill()
        for a in active:
            a.done.wait(timeout)
        for thread in self._threads:
            thread.join(timeout)
        if self._listener is not None:
            self._listener.stop()
        self.executor.close()

    def wake(self) -> None:
        """Look at the queue (and at cancel requests) now."""
        with self._wake:
            self._woken = True
            self._wake.notify_all()

    def serve_forever(self) -> None:
        """Run until SIGTERM or SIGINT, then stop gracefully (for ``torchcanvas worker``)."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.start()
        stop.wait()
        log.info("worker %s: stopping; running runs go back to the queue", self.id)
        self.stop()

    # --- claiming ----------------------------------------------------------------------------

    def _dispatch(self) -> None:
        # Polling is what finds runs on SQLite; on PostgreSQL a NOTIFY wakes us, and the poll is
        # only a safety net.
        poll_s = self.settings.worker_poll_s * (10 if self.postgres else 1)
        while True:
            with self._wake:
                if self._stopping:
                    return
                full = len(self._active) >= self.max_concurrent
                if full:
                    self._wake.wait(1.0)
                    full = len(self._active) >= self.max_concurrent
                idle = not self._active
            if full:
                self._replenish()
                continue
            if idle:
                self._warm_up()
            with self._lock:  # claim and register at once: the watch never sees a claimed run missing
                try:
                    claimed = self._claim_next()
                except Exception:  # the database went away for a moment: retry, don't die
                    log.exception("worker: could not read the queue")
                    claimed = None
                if claimed is not None:
                    run_id, epochs = claimed
                    with self.sessions() as s:
                        seq = last_seq(s, run_id)
                    active = _Active(run_id=run_id, epochs=epochs, seq=seq)
                    self._active[run_id] = active
            if claimed is None:
                if not idle:
                    self._replenish()  # runs wait for their user's running ones to end
                with self._wake:
                    if not self._stopping and not self._woken:
                        self._wake.wait(poll_s)
                    self._woken = False
                continue
            threading.Thread(
                target=self._execute, args=(active,), name=f"torchcanvas-run-{run_id}", daemon=True
            ).start()

    def _warm_up(self) -> None:
        # From this thread, which lives as long as the worker: a child's parent-death signal
        # fires when the thread that started it ends.
        with contextlib.suppress(Exception):
            self.executor.warm_up()

    def _replenish(self) -> None:
        """While runs are active: when others wait in the queue (an experiment's variants), the
        next one's interpreter does its imports now, not after the running ones have ended. Not
        when nothing waits: a lone run's start would share the CPU with them. Looks at the queue
        at most once a second."""
        now = time.monotonic()
        if now - self._replenished_at < 1.0:
            return
        self._replenished_at = now
        try:
            with self.sessions() as s:
                waiting = s.scalar(select(Run.id).where(Run.status == "queued").limit(1)) is not None
        except Exception:  # the database went away for a moment: the claim loop says so
            return
        if waiting:
            self._warm_up()

    def _claim_next(self) -> tuple[int, int] | None:
        """Take the oldest queued run of a user below their quota of concurrent runs (see the
        module's docstring): ``(run id, epochs)``, or None when there is none to take."""
        skip = self._owners_at_quota()
        for _ in range(5):
            with self.sessions() as s:
                stmt = select(Run.id, Run.owner_id, Run.config).where(Run.status == "queued")
                if None in skip:
                    stmt = stmt.where(Run.owner_id.is_not(None))
                if skip - {None}:
                    stmt = stmt.where(or_(Run.owner_id.is_(None), Run.owner_id.not_in(skip - {None})))
                stmt = stmt.order_by(Run.id).limit(1)
                if self.postgres:
                    stmt = stmt.with_for_update(skip_locked=True, of=Run)
                row = s.execute(stmt).first()
                if row is None:
                    return None
                run_id, owner_id, config = row
                if self.postgres and self.quotas is not None:
                    s.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _CLAIM_LOCK, "b": owner_id or 0})
                now = _utcnow()
                claim = (
                    update(Run)
                    .where(Run.id == run_id, Run.status == "queued", *self._below_quota(owner_id))
                    .values(status="running", started_at=now, worker_id=self.id, heartbeat_at=now)
                    .execution_options(synchronize_session=False)
                )
                result = s.execute(claim)
                s.commit()
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    log.info("worker %s: claimed run %s", self.id, run_id)
                    return int(run_id), int(config.get("epochs", 1))
                if self.quotas is None or not self._at_quota(s, owner_id):
                    continue  # another worker took it (SQLite): the next one
                skip.add(owner_id)
        return None

    def _owners_at_quota(self) -> set[int | None]:
        """Users with ``quotas.concurrent_runs`` running (None: runs nobody has claimed yet, which
        share one quota): their queued runs are passed over, not tried one by one."""
        if self.quotas is None:
            return set()
        with self.sessions() as s:
            running = s.execute(
                select(Run.owner_id, func.count()).where(Run.status == "running").group_by(Run.owner_id)
            ).all()
        return {owner for owner, count in running if count >= self.quotas.concurrent_runs}

    def _running_of(self, owner_id: int | None) -> Any:
        other = aliased(Run)
        owner = other.owner_id.is_(None) if owner_id is None else other.owner_id == owner_id
        return select(func.count()).select_from(other).where(owner, other.status == "running").scalar_subquery()

    def _below_quota(self, owner_id: int | None) -> list[Any]:
        """The claim's condition on the user's runs (runs nobody has claimed yet share one quota)."""
        if self.quotas is None:
            return []
        return [self._running_of(owner_id) < self.quotas.concurrent_runs]

    def _at_quota(self, s: Session, owner_id: int | None) -> bool:
        assert self.quotas is not None
        return int(s.scalar(select(self._running_of(owner_id))) or 0) >= self.quotas.concurrent_runs

    # --- leases, cancels and dead workers ----------------------------------------------------

    def _watch(self) -> None:
        """Every 0.2 s: cancel requests and runs this worker lost; every heartbeat: the lease;
        every half lease: other workers' expired runs."""
        beat = reap = 0.0
        while True:
            with self._wake:
                if self._stopping:
                    return
                self._wake.wait(CANCEL_CHECK_S)
                if self._stopping:
                    return
                active = {i: a for i, a in self._active.items() if not a.finishing}
            now = time.monotonic()
            try:
                if active:
                    self._check(active, heartbeat=now - beat >= self.settings.run_heartbeat_s)
                    beat = now if now - beat >= self.settings.run_heartbeat_s else beat
                if now - reap >= max(0.5, self.settings.run_lease_s / 2):
                    reap = now
                    for run_id in reap_expired(self.sessions, self.settings.run_lease_s, self.on_stored):
                        self._stop_orphan(run_id)
            except Exception:  # the database went away for a moment: the lease has some slack
                log.exception("worker %s: could not refresh its leases", self.id)

    def _stop_orphan(self, run_id: int) -> None:
        """A run whose worker died may still be executing where the executor put it (a Ray job
        outlives its worker; a local process dies with its worker): stop it there."""
        stop = getattr(self.executor, "stop_orphan", None)
        if stop is None:
            return
        try:
            stop(run_id)
        except Exception:  # the cluster did not answer: the job ends at its own time limit
            log.exception("worker %s: could not stop the orphaned execution of run %s", self.id, run_id)

    def _check(self, active: dict[int, _Active], heartbeat: bool) -> None:
        with self.sessions() as s:
            if heartbeat:
                s.execute(
                    update(Run)
                    .where(Run.id.in_(list(active)), Run.worker_id == self.id, Run.status == "running")
                    .values(heartbeat_at=_utcnow())
                    .execution_options(synchronize_session=False)
                )
                s.commit()
            rows = s.execute(
                select(Run.id, Run.cancel_requested_at).where(
                    Run.id.in_(list(active)), Run.worker_id == self.id, Run.status == "running"
                )
            ).all()
        still = {run_id: cancel for run_id, cancel in rows}
        for run_id, a in active.items():
            if a.finishing:
                continue
            if run_id not in still:  # another process ended it: its lease had expired
                log.warning("worker %s: run %s is no longer ours; stopping it", self.id, run_id)
                a.lost = True
                a.kill()
            elif still[run_id] is not None and not a.cancelled:
                a.cancelled = True
                a.kill()

    # --- one run -----------------------------------------------------------------------------

    def run_dir(self, run_id: int) -> Path:
        return self.runs_dir / str(run_id)

    def _execute(self, a: _Active) -> None:
        with bind_run(a.run_id):  # this thread's log lines carry the run's id
            self._execute_bound(a)

    def _execute_bound(self, a: _Active) -> None:
        folder = self.run_dir(a.run_id)
        status: RunStatus = "failed"
        exit_code: int | None = None
        error: str | None = None
        watchdog: threading.Timer | None = None
        try:
            with self.sessions() as s:
                run = s.get(Run, a.run_id)
                assert run is not None
                config = dict(run.config)
                document = dict(run.graph)
            args = train_args(folder, self.data_dir, config)
            may_cuda = _may_use_cuda(config)
            memory = self.memory_limit_mb * 1024 * 1024 if self.memory_limit_mb and not may_cuda else None
            spec = LaunchSpec(
                run_id=a.run_id,
                folder=folder,
                args=args,
                env=run_env(self.settings),
                memory_bytes=memory,
                device=str(config.get("device", "auto")),
                threads=run_threads(document, self.settings.run_torch_threads),
            )
            with open(folder / "log.txt", "ab") as logfile:
                a.execution = self.executor.launch(spec)
                if a.cancelled or self._stopping:  # cancelled while starting
                    a.handed_back = a.handed_back or (self._stopping and not a.cancelled)
                    a.kill()
                self._emit(a, RunStarted(run_id=a.run_id, pid=a.execution.pid, command=["python", "train.py", *args]))
                if self.time_limit_s:
                    watchdog = threading.Timer(self.time_limit_s, self._time_out, args=(a,))
                    watchdog.daemon = True
                    watchdog.start()
                self._follow(a, logfile)
                exit_code = a.execution.wait()
                a.execution.collect()
            if a.cancelled:
                status, error = "cancelled", "cancelled by the user"
            elif a.timed_out:
                status, error = "failed", f"stopped at the time limit of {self.time_limit_s:g} s"
            elif exit_code == 0:
                status = "succeeded"
            else:
                status, error = "failed", log_tail(folder / "log.txt") or f"train.py exited with code {exit_code}"
        except GraphError as exc:  # its data folder left the data directory since it was queued
            error = f"the run could not be started: {exc}"
        except Exception:  # a worker bug or an OS failure: the run fails, the worker goes on
            # The exception may name host paths: it goes to the worker's log, not to the client.
            log.exception("run %s could not run", a.run_id)
            error = "the run could not be started because of a server error; see the server log"
        finally:
            if watchdog is not None:
                watchdog.cancel()
            a.finishing = True
            try:
                if a.lost:
                    pass  # ended by another process already
                elif a.handed_back and not a.cancelled:
                    self._hand_back(a, folder)
                else:
                    self._finish(a, status, exit_code, error, time.monotonic() - a.started)
            except Exception:
                log.exception("run %s: could not record its end", a.run_id)
            finally:
                with self._wake:
                    self._active.pop(a.run_id, None)
                    self._wake.notify_all()
                a.done.set()

    def _follow(self, a: _Active, logfile: Any) -> None:
        """Read the script's output to its end: every line to the log, events to the store.

        A reader thread parses lines into a queue; this thread stores what has piled up in one
        transaction, so that 2,000 quick epochs are not 2,000 commits.
        """
        assert a.execution is not None
        execution = a.execution
        lines: queue.Queue[Event | None] = queue.Queue()

        def read() -> None:
            try:
                for raw in execution.lines():
                    logfile.write(raw if raw.endswith(b"\n") else raw + b"\n")
                    logfile.flush()
                    event = self._parse(a, raw)
                    if event is not None:
                        lines.put(event)
            finally:
                lines.put(None)

        reader = threading.Thread(target=read, name=f"torchcanvas-run-{a.run_id}-out", daemon=True)
        reader.start()
        ended = False
        while not ended:
            batch = [lines.get()]
            with contextlib.suppress(queue.Empty):
                while len(batch) < 500:
                    batch.append(lines.get_nowait())
            ended = batch[-1] is None
            if not a.lost:
                self._emit(a, *(e for e in batch if e is not None))
        reader.join()

    def _parse(self, a: _Active, raw: bytes) -> Event | None:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith('{"event"'):
            return None
        try:
            data = json.loads(line)  # Python's json reads NaN / Infinity, as train.py prints them
        except ValueError:
            return None
        kind = data.pop("event", None)
        now = time.monotonic()
        elapsed = now - a.started
        try:
            if kind == "progress":
                steps = max(1, int(data["steps"]))
                done = (int(data["epoch"]) - 1 + int(data["step"]) / steps) / a.epochs
                return Progress(
                    run_id=a.run_id,
                    epochs=a.epochs,
                    fraction=min(1.0, done),
                    elapsed_seconds=elapsed,
                    eta_seconds=self._eta(a, now, done),
                    **data,
                )
            if kind == "epoch":
                done = int(data["epoch"]) / a.epochs
                return EpochMetrics(
                    run_id=a.run_id,
                    epochs=a.epochs,
                    elapsed_seconds=elapsed,
                    eta_seconds=self._eta(a, now, done),
                    **data,
                )
            if kind == "fit":
                return FitCurve(run_id=a.run_id, **data)
            if kind == "confusion":
                return Confusion(run_id=a.run_id, **data)
        except (KeyError, TypeError, ValueError) as exc:  # a line we do not understand stays in the log
            log.warning("run %s: unreadable %s event: %s", a.run_id, kind, exc)
        return None

    @staticmethod
    def _eta(a: _Active, now: float, done: float) -> float | None:
        """Seconds left, from the pace since the first progress (startup time excluded)."""
        if a.first is None:
            a.first = (now, done)
            return None
        t0, f0 = a.first
        if done <= f0 or now <= t0:
            return None
        return round((now - t0) / (done - f0) * (1.0 - done), 2)

    def _time_out(self, a: _Active) -> None:
        a.timed_out = True
        a.kill()

    def _ours(self) -> tuple[Any, ...]:
        return (Run.worker_id == self.id, Run.status == "running")

    def _finish(self, a: _Active, status: RunStatus, exit_code: int | None, error: str | None, seconds: float) -> None:
        finished = RunFinished(
            run_id=a.run_id,
            status=status,
            exit_code=exit_code,
            error=error,  # type: ignore[arg-type]
            seconds=round(seconds, 3),
        )
        with self.sessions() as s:
            result = s.execute(
                update(Run)
                .where(Run.id == a.run_id, *self._ours())
                .values(status=status, exit_code=exit_code, error=error, finished_at=_utcnow(), heartbeat_at=None)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]  # reaped meanwhile: it is not ours to end
                s.rollback()
                return
            a.seq += 1
            add_events(s, [finished.model_copy(update={"seq": a.seq})])
            s.commit()
        self._stored(a.run_id)

    def _hand_back(self, a: _Active, folder: Path) -> None:
        """Back to the queue, to start over in another worker (or this one, started again): the
        attempt's metrics go, and a ``queued`` event tells the streams."""
        with self.sessions() as s:
            result = s.execute(
                update(Run)
                .where(Run.id == a.run_id, *self._ours())
                .values(status="queued", started_at=None, worker_id=None, heartbeat_at=None)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                s.rollback()
                return
            s.execute(delete(RunEvent).where(RunEvent.run_id == a.run_id, RunEvent.type.in_(_METRIC_EVENTS)))
            a.seq += 1
            add_events(s, [RunQueued(run_id=a.run_id, seq=a.seq, epochs=a.epochs, note=HANDED_BACK)])
            s.commit()
        shutil.rmtree(folder / "runs", ignore_errors=True)  # the attempt's checkpoint and TensorBoard files
        with contextlib.suppress(OSError), open(folder / "log.txt", "a", encoding="utf-8") as logfile:
            logfile.write(f"\n[torchcanvas] {HANDED_BACK}\n\n")
        log.info("run %s: handed back to the queue", a.run_id)
        self._stored(a.run_id)

    # --- events ------------------------------------------------------------------------------

    def _emit(self, a: _Active, *events: Event) -> None:
        if not events:
            return
        numbered = [e.model_copy(update={"seq": a.seq + 1 + i}) for i, e in enumerate(events)]
        try:
            with self.sessions() as s:
                add_events(s, numbered)
                s.commit()
        except IntegrityError:  # another process wrote an event of this run: its lease expired
            log.warning("worker %s: run %s was ended elsewhere; stopping it", self.id, a.run_id)
            a.lost = True
            a.kill()
            return
        a.seq += len(numbered)
        self._stored(a.run_id)

    def _stored(self, run_id: int) -> None:
        if self.on_stored is not None:
            self.on_stored(run_id)

    def active_runs(self) -> Iterable[int]:
        with self._lock:
            return list(self._active)


def main(argv: list[str] | None = None) -> int:
    """``torchcanvas worker``: claim and execute runs until SIGTERM (settings: TORCHCANVAS_*)."""
    from torchcanvas.db import make_engine, make_sessionmaker, upgrade

    parser = argparse.ArgumentParser(prog="torchcanvas worker", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--concurrency", type=int, default=None, help="runs at once (default: TORCHCANVAS_MAX_CONCURRENT_RUNS)"
    )
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings)  # TORCHCANVAS_LOG_FORMAT=json: one object per line, with run_id
    if args.concurrency is not None and not 1 <= args.concurrency <= 64:
        parser.error("--concurrency must be between 1 and 64")
    engine = make_engine(settings.resolved_database_url)
    if settings.migrate_on_start:
        upgrade(engine)
    worker = Worker(make_sessionmaker(engine), settings, concurrency=args.concurrency)
    try:
        worker.serve_forever()
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
