"""The embedded job runner: a queue of training runs kept in the database, run as subprocesses.

A run executes exactly the generated ``train.py`` (what a user downloads is what ran):
``python train.py --epochs ... --out <run dir>/runs --progress`` in ``<runs dir>/<id>/``, which
holds the generated files, the log (``log.txt``) and the outputs (``runs/``: TensorBoard event
files and ``checkpoint.pt``). Each process gets its own process group, an address-space limit
(RLIMIT_AS) and a watchdog that kills the group at the time limit.

The runner turns the script's JSON lines into typed events (``torchcanvas.runner.events``),
stores them, then hands them to subscribers. It knows nothing about HTTP: the API subscribes and
forwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from torchcanvas import codegen
from torchcanvas.auth.config import Quotas
from torchcanvas.auth.quotas import QuotaExceeded
from torchcanvas.db.models import FINISHED_STATUSES, Run, RunEvent
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.limits import Limits
from torchcanvas.runner.data import relative_to_run, resolve_root
from torchcanvas.runner.events import (
    Confusion,
    EpochMetrics,
    FitCurve,
    Progress,
    RunFinished,
    RunQueued,
    RunStarted,
    RunStatus,
    event_from_dict,
)
from torchcanvas.runner.events import RunEvent as Event

log = logging.getLogger("torchcanvas.runner")

Subscriber = Callable[[Event], None]
LOG_TAIL_LINES = 20


class RunNotFound(LookupError):
    pass


class RunConflict(RuntimeError):
    """The run is in a state that does not allow what was asked."""


class QueueFull(RuntimeError):
    """More runs are queued than the server allows (``max_queued``); nothing was queued."""

    def __init__(self, queued: int, adding: int, maximum: int) -> None:
        what = "a run" if adding == 1 else f"{adding} runs"
        super().__init__(
            f"{queued} runs are queued, and the server queues at most {maximum}: {what} cannot be added now; "
            "retry when some have finished, or cancel queued ones"
        )


# An absolute POSIX path up to its last folder (not inside a URL or a relative path): what
# redact_paths() drops from text a client will read.
_HOST_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s\"'/:<>|]+/)+")


def redact_paths(text: str) -> str:
    """``text`` (a run's log, an error) without host paths: ``/srv/data/runs/3/train.py`` becomes
    ``train.py``. A traceback stays readable, and tells a client nothing about the server's disk."""
    return _HOST_PATH.sub("", text)


class RunAlreadyFinished(RunConflict):
    def __init__(self, run_id: int, status: str) -> None:
        super().__init__(f"run {run_id} has already finished ({status}); there is nothing to cancel")
        self.status = status


@dataclass
class _Active:
    """A run this runner is executing."""

    run_id: int
    epochs: int
    proc: subprocess.Popen[bytes] | None = None
    seq: int = 0
    started: float = field(default_factory=time.monotonic)
    first: tuple[float, float] | None = None  # (time, fraction done) of the first progress seen
    cancelled: bool = False
    timed_out: bool = False
    done: threading.Event = field(default_factory=threading.Event)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    except OSError:
        return None


_LIBC = _libc()
_PR_SET_PDEATHSIG = 1


def _child_setup(parent: int) -> Callable[[], None]:
    """What runs in the child between fork and exec: dying with the server. (The memory limit
    is set by the launcher once it has done its imports, see launcher.py.)"""

    def setup() -> None:
        if _LIBC is not None:
            # A server killed with SIGKILL cannot stop its runs; the kernel does it for us. The
            # signal comes when the *thread* that started the child ends, so a child must be
            # started by a thread that outlives it.
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != parent:  # the server died before prctl
                os._exit(1)

    return setup


_LAUNCHER = str(Path(__file__).with_name("launcher.py"))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.wait(5)


def _may_use_cuda(config: dict[str, Any]) -> bool:
    """CUDA reserves far more address space than it uses: under RLIMIT_AS it fails to start, so
    the memory limit applies only to runs that will train on the CPU."""
    if config.get("device") == "cpu":
        return False
    import torch

    return bool(torch.cuda.is_available())


class Runner:
    """Runs queued runs, ``max_concurrent`` at a time, until ``stop()``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        runs_dir: Path,
        *,
        data_dir: Path | None = None,
        max_concurrent: int = 1,
        max_queued: int | None = None,
        time_limit_s: float | None = None,
        memory_limit_mb: int | None = None,
        python: str | None = None,
        torch_threads: int | None = None,
        warm: bool = True,
        limits: Limits | None = None,
        quotas: Quotas | None = None,
    ) -> None:
        self.sessions = sessions
        # Per user: runs at once (the dispatcher's pick), runs queued and run storage (submit's).
        self.quotas = quotas
        self.limits = limits or Limits()  # the documents a run may be made of (torchcanvas.limits)
        self.runs_dir = Path(runs_dir)
        # Data sets are resolved inside it (runner/data.py); the runs folder is one of its folders.
        self.data_dir = Path(data_dir) if data_dir is not None else self.runs_dir.parent
        self.max_concurrent = max(1, max_concurrent)
        self.max_queued = max_queued
        self._submitting = threading.Lock()  # counting the queue and adding to it, at once
        self.time_limit_s = time_limit_s or None
        self.memory_limit_mb = memory_limit_mb or None
        self.python = python or sys.executable
        self.torch_threads = torch_threads
        self.warm = warm
        self._spare: subprocess.Popen[bytes] | None = None  # a launcher that has done its imports
        self._active: dict[int, _Active] = {}
        self._subscribers: dict[int | None, list[Subscriber]] = {}
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._stopping = False
        self._dispatcher: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Recover from the last stop (runs left ``running`` become ``interrupted``), then run the queue."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._mark_interrupted(self._stale_running(), "the server stopped while this run was running")
        self._stopping = False
        self._dispatcher = threading.Thread(target=self._dispatch, name="torchcanvas-runner", daemon=True)
        self._dispatcher.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking runs; kill the running ones, which end ``interrupted``."""
        with self._wake:
            self._stopping = True
            active = list(self._active.values())
            self._wake.notify_all()
        for a in active:
            self._kill(a)
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            _kill_group(spare)
        for a in active:
            a.done.wait(timeout)
        if self._dispatcher is not None:
            self._dispatcher.join(timeout)

    # --- the API -----------------------------------------------------------------------------

    def run_dir(self, run_id: int) -> Path:
        return self.runs_dir / str(run_id)

    def submit(
        self,
        graph: Graph,
        *,
        name: str | None = None,
        model_id: Any = None,
        experiment_id: int | None = None,
        label: str = "",
        variant: dict[str, Any] | None = None,
        owner_id: int | None = None,
    ) -> int:
        """Queue a run of ``graph`` (its training config included) for the user ``owner_id``.
        Raises GraphError when the project cannot be generated or its data lies outside the data
        directory, QueueFull when the queue is full, QuotaExceeded when the user is at a quota.
        Returns the run's id."""
        dataset = graph.training.dataset
        resolve_root(self.data_dir, dataset.type, dataset.params)
        files = codegen.generate(graph, limits=self.limits)
        with self._submitting, self.sessions() as s:
            self._ensure_room(s, 1, owner_id)
            run = Run(
                owner_id=owner_id,
                name=(name or graph.name)[:200],
                status="queued",
                model_id=model_id,
                experiment_id=experiment_id,
                label=label[:500],
                variant=variant or {},
                config=graph.training.model_dump(mode="json"),
                graph=graph.model_dump(mode="json"),
                created_at=_utcnow(),
            )
            s.add(run)
            s.flush()
            folder = self.run_dir(run.id)
            folder.mkdir(parents=True, exist_ok=True)
            for filename, text in files.items():
                (folder / filename).write_text(text, encoding="utf-8")
            # Stored with the run, in one commit: a dispatcher that claims the run at once
            # numbers its events after this one.
            queued = RunQueued(run_id=run.id, seq=1, epochs=graph.training.epochs)
            s.add(RunEvent(run_id=run.id, seq=1, type=queued.type, data=queued.as_dict(), created_at=_utcnow()))
            s.commit()
            run_id = run.id
        self._publish([queued])
        with self._wake:
            self._wake.notify_all()
        return run_id

    def ensure_room(self, n: int, owner_id: int | None = None) -> None:
        """Raise QueueFull (or QuotaExceeded) unless ``n`` more runs of ``owner_id`` fit in the
        queue (an experiment asks before it queues its runs, so that it queues all of them or
        none; a race with another request can still leave it short, and then its last runs are
        refused)."""
        with self.sessions() as s:
            self._ensure_room(s, n, owner_id)

    def _ensure_room(self, s: Session, n: int, owner_id: int | None) -> None:
        if self.max_queued is not None:
            queued = int(s.scalar(select(func.count()).select_from(Run).where(Run.status == "queued")) or 0)
            if queued + n > self.max_queued:
                raise QueueFull(queued, n, self.max_queued)
        if self.quotas is not None and owner_id is not None:
            self._check_quotas(s, n, owner_id, self.quotas)

    def _check_quotas(self, s: Session, n: int, owner_id: int, quotas: Quotas) -> None:
        mine = s.scalar(select(func.count()).select_from(Run).where(Run.owner_id == owner_id, Run.status == "queued"))
        queued = int(mine or 0)
        if queued + n > quotas.queued_runs:
            raise QuotaExceeded(
                "queued_runs", "queued runs", queued, quotas.queued_runs, "wait for some to finish, cancel some"
            )
        used = self.storage_mib(s, owner_id)
        if used >= quotas.storage_mib:
            raise QuotaExceeded("storage_mib", "run storage in MiB", used, quotas.storage_mib, "")

    def storage_mib(self, s: Session, owner_id: int) -> int:
        """The MiB of files in the folders of ``owner_id``'s runs (walked: a few ms per hundred runs)."""
        total = 0
        for run_id in s.scalars(select(Run.id).where(Run.owner_id == owner_id)):
            for folder, _dirs, files in os.walk(self.run_dir(run_id)):
                for name in files:
                    with contextlib.suppress(OSError):  # a file the run is replacing right now
                        total += os.stat(os.path.join(folder, name), follow_symlinks=False).st_size
        return total // (1024 * 1024)

    def cancel(self, run_id: int, wait: float = 10.0) -> str:
        """Cancel a queued or running run; returns its status afterwards ("cancelled")."""
        with self.sessions() as s:
            run = s.get(Run, run_id)
            if run is None:
                raise RunNotFound(run_id)
            status = run.status
        if status in FINISHED_STATUSES:
            raise RunAlreadyFinished(run_id, status)
        if status == "queued" and self._finish_queued(run_id):
            return "cancelled"
        with self._lock:  # the dispatcher claims and registers a run under this lock
            active = self._active.get(run_id)
        if active is None:
            with self.sessions() as s:
                run = s.get(Run, run_id)
                assert run is not None
                if run.status in FINISHED_STATUSES:
                    raise RunAlreadyFinished(run_id, run.status)
            raise RunConflict(f"run {run_id} is {run.status} in another server process; cancel it there")
        active.cancelled = True
        self._kill(active)
        active.done.wait(wait)
        return "cancelled"

    def wait(self, run_id: int, timeout: float | None = None) -> str:
        """Block until the run has finished; its status (for scripts, tests and benchmarks)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self.sessions() as s:
                run = s.get(Run, run_id)
                if run is None:
                    raise RunNotFound(run_id)
                if run.status in FINISHED_STATUSES:
                    return run.status
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {run.status} after {timeout} s")
            time.sleep(0.1)

    def subscribe(self, callback: Subscriber, run_id: int | None = None) -> Callable[[], None]:
        """Call ``callback(event)`` for every new event (of one run, or of all runs with None),
        from a runner thread, after the event is stored. Returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.setdefault(run_id, []).append(callback)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._subscribers.get(run_id, []).remove(callback)

        return unsubscribe

    # --- the queue ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and len(self._active) >= self.max_concurrent:
                    self._wake.wait(1.0)
                if self._stopping:
                    return
                idle = not self._active
            if idle:
                # From this thread, which lives as long as the runner: a child's parent-death
                # signal fires when the thread that started it ends (see _child_setup).
                self._keep_warm()
            with self._lock:  # claim and register at once: cancel() never sees a claimed run missing
                try:
                    claimed = self._claim_next()
                except Exception:  # the database went away for a moment: retry, don't die
                    log.exception("runner: could not read the queue")
                    claimed = None
                if claimed is not None:
                    run_id, epochs = claimed
                    active = _Active(run_id=run_id, epochs=epochs, seq=self._last_seq(run_id))
                    self._active[run_id] = active
            if claimed is None:
                with self._wake:
                    if not self._stopping:
                        self._wake.wait(1.0)
                continue
            threading.Thread(
                target=self._execute, args=(active,), name=f"torchcanvas-run-{run_id}", daemon=True
            ).start()

    def _claim_next(self) -> tuple[int, int] | None:
        """Take the oldest queued run of a user below their quota of concurrent runs: an atomic
        queued -> running, so that two claimers never take the same run."""
        with self.sessions() as s:
            for run in s.scalars(self._claimable().order_by(Run.id).limit(5)):
                result = s.execute(
                    update(Run)
                    .where(Run.id == run.id, Run.status == "queued")
                    .values(status="running", started_at=_utcnow())
                    .execution_options(synchronize_session=False)
                )
                s.commit()
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    return run.id, int(run.config.get("epochs", 1))
        return None

    def _claimable(self) -> Any:
        """The queued runs, less those of users who have ``quotas.concurrent_runs`` running."""
        stmt = select(Run).where(Run.status == "queued")
        if self.quotas is None:
            return stmt
        with self.sessions() as s:
            running = s.execute(
                select(Run.owner_id, func.count()).where(Run.status == "running").group_by(Run.owner_id)
            ).all()
        full = {owner for owner, count in running if count >= self.quotas.concurrent_runs}
        if full - {None}:
            stmt = stmt.where(or_(Run.owner_id.is_(None), Run.owner_id.not_in(full - {None})))
        if None in full:  # runs nobody has claimed yet share one quota
            stmt = stmt.where(Run.owner_id.is_not(None))
        return stmt

    # --- one run -----------------------------------------------------------------------------

    def command(self, run_id: int, config: dict[str, Any]) -> list[str]:
        """The command line of a run (``train.py`` is run from the run's folder). Its paths are
        relative to that folder: the command is shown to clients, and the data set's folder is
        the one resolved inside the data directory, whatever train.py's default says.

        Raises GraphError when the data set's folder is not (or no longer) inside its area."""
        folder = self.run_dir(run_id)
        dataset = config.get("dataset") or {}
        data = resolve_root(self.data_dir, str(dataset.get("type", "")), dict(dataset.get("params") or {}))
        return [
            self.python,
            "train.py",
            "--epochs",
            str(config["epochs"]),
            "--batch-size",
            str(config["batch_size"]),
            "--lr",
            repr(float(config["lr"])),
            "--seed",
            str(config["seed"]),
            "--data-root",
            relative_to_run(data, folder),
            "--out",
            "runs",
            "--progress",
        ]

    def child_env(self) -> dict[str, str]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TQDM_DISABLE": "1"}  # no progress bars in the log
        if self.torch_threads:
            env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(self.torch_threads)
        return env

    def _spawn_launcher(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [self.python, _LAUNCHER],
            cwd=self.runs_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.child_env(),
            start_new_session=True,  # its own process group: the watchdog kills all of it
            preexec_fn=_child_setup(os.getpid()),
        )

    def _keep_warm(self) -> None:
        """Have a launcher do the slow imports now, for the next run (see launcher.py). Called
        when no run is active: during one, the imports would slow its start."""
        if not self.warm:
            return
        with self._lock:
            if self._stopping or (self._spare is not None and self._spare.poll() is None):
                return
            self._spare = self._spawn_launcher()

    def _launch(self, folder: Path, cmd: list[str], memory: int | None) -> subprocess.Popen[bytes]:
        """Start ``cmd`` (python train.py ARGS) in ``folder``: in the warm launcher when one is ready."""
        with self._lock:
            proc, self._spare = self._spare, None
        if proc is None or proc.poll() is not None:
            proc = self._spawn_launcher()
        spec = {"cwd": str(folder), "args": cmd[2:], "memory_bytes": memory}
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(spec) + "\n").encode())
        proc.stdin.close()
        return proc

    def _execute(self, a: _Active) -> None:
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
            cmd = self.command(a.run_id, config)
            memory = self.memory_limit_mb * 1024 * 1024 if self.memory_limit_mb and not _may_use_cuda(config) else None
            with open(folder / "log.txt", "ab") as logfile:
                a.proc = self._launch(folder, cmd, memory)
                if a.cancelled or self._stopping:  # cancelled while starting
                    self._kill(a)
                shown = ["python", *cmd[1:]]  # the interpreter's path is the server's business
                self._emit(a, RunStarted(run_id=a.run_id, pid=a.proc.pid, command=shown))
                if self.time_limit_s:
                    watchdog = threading.Timer(self.time_limit_s, self._time_out, args=(a,))
                    watchdog.daemon = True
                    watchdog.start()
                self._follow(a, logfile)
                exit_code = a.proc.wait()
            if a.cancelled:
                status, error = "cancelled", "cancelled by the user"
            elif self._stopping:
                status, error = "interrupted", "the server stopped while this run was running"
            elif a.timed_out:
                status, error = "failed", f"stopped at the time limit of {self.time_limit_s:g} s"
            elif exit_code == 0:
                status = "succeeded"
            else:
                status, error = "failed", _tail(folder / "log.txt") or f"train.py exited with code {exit_code}"
        except GraphError as exc:  # its data folder left the data directory since it was queued
            error = f"the run could not be started: {exc}"
        except Exception:  # a runner bug or an OS failure: the run fails, the runner goes on
            # The exception may name host paths: it goes to the server log, not to the client.
            log.exception("run %s could not run", a.run_id)
            error = "the run could not be started because of a server error; see the server log"
        finally:
            if watchdog is not None:
                watchdog.cancel()
            seconds = time.monotonic() - a.started
            try:
                self._finish(a, status, exit_code, error, seconds)
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
        assert a.proc is not None and a.proc.stdout is not None
        lines: queue.Queue[Event | None] = queue.Queue()

        def read() -> None:
            assert a.proc is not None and a.proc.stdout is not None
            for raw in a.proc.stdout:
                logfile.write(raw)
                logfile.flush()
                event = self._parse(a, raw)
                if event is not None:
                    lines.put(event)
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
            self._emit(a, *(e for e in batch if e is not None))
        reader.join()

    def _parse(self, a: _Active, raw: bytes) -> Event | None:
        text = raw.decode("utf-8", "replace").strip()
        if not text.startswith('{"event"'):
            return None
        try:
            data = json.loads(text)  # Python's json reads NaN / Infinity, as train.py prints them
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
        self._kill(a)

    @staticmethod
    def _kill(a: _Active) -> None:
        if a.proc is None or a.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(a.proc.pid, signal.SIGKILL)  # the whole group: workers of a DataLoader too

    def _finish(self, a: _Active, status: RunStatus, exit_code: int | None, error: str | None, seconds: float) -> None:
        with self.sessions() as s:
            s.execute(
                update(Run)
                .where(Run.id == a.run_id)
                .values(status=status, exit_code=exit_code, error=error, finished_at=_utcnow())
                .execution_options(synchronize_session=False)
            )
            s.commit()
        self._emit(
            a,
            RunFinished(
                run_id=a.run_id,
                status=status,
                exit_code=exit_code,
                error=error,  # type: ignore[arg-type]
                seconds=round(seconds, 3),
            ),
        )

    def _finish_queued(self, run_id: int) -> bool:
        """queued -> cancelled, atomically (the dispatcher may be claiming it this instant)."""
        with self.sessions() as s:
            result = s.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == "queued")
                .values(status="cancelled", error="cancelled by the user", finished_at=_utcnow())
                .execution_options(synchronize_session=False)
            )
            s.commit()
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self._emit_stored(RunFinished(run_id=run_id, status="cancelled", error="cancelled by the user"))
        return True

    def _stale_running(self) -> list[int]:
        with self.sessions() as s:
            return list(s.scalars(select(Run.id).where(Run.status == "running")))

    def _mark_interrupted(self, run_ids: list[int], why: str) -> None:
        for run_id in run_ids:
            with self.sessions() as s:
                s.execute(
                    update(Run)
                    .where(Run.id == run_id, Run.status == "running")
                    .values(status="interrupted", error=why, finished_at=_utcnow())
                    .execution_options(synchronize_session=False)
                )
                s.commit()
            self._emit_stored(RunFinished(run_id=run_id, status="interrupted", error=why))

    # --- events ------------------------------------------------------------------------------

    def _last_seq(self, run_id: int) -> int:
        with self.sessions() as s:
            return int(s.scalar(select(func.max(RunEvent.seq)).where(RunEvent.run_id == run_id)) or 0)

    def _emit(self, a: _Active, *events: Event) -> None:
        numbered = []
        for e in events:
            a.seq += 1
            numbered.append(e.model_copy(update={"seq": a.seq}))
        self._store_and_publish(numbered)

    def _emit_stored(self, event: Event) -> None:
        """An event of a run that no thread of ours is running (queued, or left by a stop)."""
        with self._lock:
            self._store_and_publish([event.model_copy(update={"seq": self._last_seq(event.run_id) + 1})])

    def _store_and_publish(self, events: list[Event]) -> None:
        if not events:
            return
        now = _utcnow()
        with self.sessions() as s:
            s.add_all(
                RunEvent(run_id=e.run_id, seq=e.seq, type=e.type, data=e.as_dict(), created_at=now) for e in events
            )
            s.commit()
        self._publish(events)

    def _publish(self, events: list[Event]) -> None:
        with self._lock:
            for e in events:
                for callback in [*self._subscribers.get(e.run_id, ()), *self._subscribers.get(None, ())]:
                    try:
                        callback(e)
                    except Exception:  # a subscriber's bug must not stop the run
                        log.exception("runner: a subscriber failed on %s", e.type)


def stored_events(session: Session, run_id: int, after: int = 0) -> Iterator[Event]:
    """The stored events of a run, in order, from ``seq > after``."""
    rows = session.scalars(
        select(RunEvent).where(RunEvent.run_id == run_id, RunEvent.seq > after).order_by(RunEvent.seq)
    )
    for row in rows:
        yield event_from_dict({**row.data, "run_id": run_id, "seq": row.seq, "type": row.type})


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    kept = [x for x in text.splitlines() if not x.startswith('{"event"')]
    return redact_paths("\n".join(kept[-lines:])) or None
