"""The API's side of training runs: a queue kept in the database.

A run executes exactly the generated ``train.py`` (what a user downloads is what ran):
``python train.py --epochs ... --out runs --progress`` in ``<runs dir>/<id>/``, which holds the
generated files, the log (``log.txt``) and the outputs (``runs/``: TensorBoard event files and
``checkpoint.pt``).

``Runner`` is what the routes use: it queues runs (with their ``queued`` event, in one commit),
enforces the queue's size and the per-user quotas, cancels, waits, and knows where a run's
files are. It executes nothing itself: workers (``torchcanvas.worker``) claim queued runs from
the database, in this process (the embedded worker, ``settings.embedded_worker``) or in others,
on this machine or others. Cancelling a running run is a request stored with the run; the worker
that owns it sees it and stops the run. The runner knows nothing about HTTP.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from torchcanvas import codegen
from torchcanvas.auth.config import Quotas
from torchcanvas.auth.quotas import QuotaExceeded
from torchcanvas.datasets.store import check_choice
from torchcanvas.db.models import FINISHED_STATUSES, Run, RunEvent, User
from torchcanvas.graph.model import Graph
from torchcanvas.runner.data import relative_to_run, resolve_root
from torchcanvas.runner.events import RunEvent as Event
from torchcanvas.runner.events import RunFinished, RunQueued, event_from_dict
from torchcanvas.runner.weights import INIT_FILE, place

if TYPE_CHECKING:
    from torchcanvas.settings import Settings
    from torchcanvas.worker import Worker

log = logging.getLogger("torchcanvas.runner")

LOG_TAIL_LINES = 20
# PostgreSQL NOTIFY channels: a run's new events (payload: the run id), and new queued runs.
EVENTS_CHANNEL = "torchcanvas_run_events"
QUEUE_CHANNEL = "torchcanvas_run_queue"


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


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --- storing events (the API side and the workers alike) ------------------------------------------


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def notify(session: Session, channel: str, payload: str = "") -> None:
    """NOTIFY ``channel`` when the session's transaction commits (PostgreSQL; a no-op elsewhere)."""
    if is_postgres(session):
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})


def last_seq(session: Session, run_id: int) -> int:
    return int(session.scalar(select(func.max(RunEvent.seq)).where(RunEvent.run_id == run_id)) or 0)


def add_events(session: Session, events: Iterable[Event]) -> None:
    """Add numbered events to the session's transaction, and NOTIFY their runs at its commit."""
    now = _utcnow()
    runs = set()
    for e in events:
        session.add(RunEvent(run_id=e.run_id, seq=e.seq, type=e.type, data=e.as_dict(), created_at=now))
        runs.add(e.run_id)
    for run_id in sorted(runs):
        notify(session, EVENTS_CHANNEL, str(run_id))


def train_args(folder: Path, data_dir: Path, config: dict[str, Any]) -> list[str]:
    """train.py's arguments for a run in ``folder`` (train.py runs from there). Its paths are
    relative to that folder: the command is shown to clients, and the data set's folder is the one
    resolved inside the data directory, whatever train.py's default says.

    Raises GraphError when the data set's folder is not (or no longer) inside its area."""
    dataset = config.get("dataset") or {}
    data = resolve_root(data_dir, str(dataset.get("type", "")), dict(dataset.get("params") or {}))
    return [
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
        *(["--init-from", INIT_FILE] if config.get("init_from") else []),
    ]


class Runner:
    """The queue of runs, as the API sees it; with an embedded worker unless settings say otherwise."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        on_stored: Callable[[int], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.quotas: Quotas | None = settings.quotas  # per user: runs queued and storage here; at once: the workers'
        self.limits = settings.limits  # the documents a run may be made of (torchcanvas.limits)
        self.runs_dir = settings.runs_dir
        # Data sets are resolved inside it (runner/data.py); the runs folder is one of its folders.
        self.data_dir = settings.data_dir
        self.max_queued = settings.max_queued_runs
        # Called with a run's id after this process stored events of it: wakes this process's
        # event streams at once (other processes' wake by NOTIFY or by polling).
        self.on_stored = on_stored
        self._submitting = threading.Lock()  # counting the queue and adding to it, at once
        self.worker: Worker | None = None
        self._reaper: threading.Thread | None = None
        self._stop = threading.Event()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the embedded worker (settings.embedded_worker); without one, look for runs of dead
        workers now and then, so that no run stays ``running`` when every worker is gone."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._stop.clear()
        if self.settings.embedded_worker:
            from torchcanvas.worker import Worker

            self.worker = Worker(self.sessions, self.settings, on_stored=self._stored)
            self.worker.start()
        else:
            self._reaper = threading.Thread(target=self._reap_now_and_then, name="torchcanvas-reaper", daemon=True)
            self._reaper.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the embedded worker: its running runs go back to the queue."""
        self._stop.set()
        if self.worker is not None:
            self.worker.stop(timeout=timeout)
        if self._reaper is not None:
            self._reaper.join(timeout)

    def _reap_now_and_then(self) -> None:
        from torchcanvas.worker import reap_expired

        interval = max(1.0, self.settings.run_lease_s / 2)
        while not self._stop.wait(interval):
            try:
                reap_expired(self.sessions, self.settings.run_lease_s, self._stored)
            except Exception:  # the database went away for a moment: try again later
                log.exception("runner: could not look for runs of dead workers")

    def _stored(self, run_id: int) -> None:
        if self.on_stored is not None:
            self.on_stored(run_id)

    # --- the API -----------------------------------------------------------------------------

    def run_dir(self, run_id: int) -> Path:
        return self.runs_dir / str(run_id)

    def command(self, run_id: int, config: dict[str, Any]) -> list[str]:
        """The command line of a run, as its ``started`` event shows it."""
        return ["python", "train.py", *train_args(self.run_dir(run_id), self.data_dir, config)]

    def submit(
        self,
        graph: Graph,
        *,
        name: str | None = None,
        model_id: Any = None,
        model_version: int | None = None,
        experiment_id: int | None = None,
        label: str = "",
        variant: dict[str, Any] | None = None,
        owner_id: int | None = None,
        init_from: tuple[Path, dict[str, Any]] | None = None,
    ) -> int:
        """Queue a run of ``graph`` (its training config included) for the user ``owner_id``;
        ``init_from``: the weights file it starts from (checked already) and how its config names it.
        Raises GraphError when the project cannot be generated or its data lies outside the data
        directory, QueueFull when the queue is full, QuotaExceeded when the user is at a quota.
        ``model_version`` is the number of the saved model's version that ``graph`` is.
        Returns the run's id."""
        dataset = graph.training.dataset
        with self.sessions() as s:  # an uploaded data set: may its owner read it, and does the config fit it
            check_choice(s, s.get(User, owner_id) if owner_id is not None else None, dataset.type, dataset.params)
        resolve_root(self.data_dir, dataset.type, dataset.params)
        files = codegen.generate(graph, limits=self.limits)
        with self._submitting, self.sessions() as s:
            self._ensure_room(s, 1, owner_id)
            run = Run(
                owner_id=owner_id,
                name=(name or graph.name)[:200],
                status="queued",
                model_id=model_id,
                model_version=model_version if model_id is not None else None,
                experiment_id=experiment_id,
                label=label[:500],
                variant=variant or {},
                config={**graph.training.model_dump(mode="json"), **({"init_from": init_from[1]} if init_from else {})},
                graph=graph.model_dump(mode="json"),
                created_at=_utcnow(),
            )
            s.add(run)
            s.flush()
            folder = self.run_dir(run.id)
            folder.mkdir(parents=True, exist_ok=True)
            for filename, content in files.items():
                (folder / filename).write_text(content, encoding="utf-8")
            if init_from is not None:
                place(init_from[0], folder)
            # Stored with the run, in one commit: a worker that claims the run at once numbers
            # its events after this one.
            add_events(s, [RunQueued(run_id=run.id, seq=1, epochs=graph.training.epochs)])
            notify(s, QUEUE_CHANNEL)
            s.commit()
            run_id = run.id
        self._stored(run_id)
        if self.worker is not None:
            self.worker.wake()
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
        """Cancel a queued or running run; returns its status afterwards ("cancelled", or
        "running" when its worker has not stopped it within ``wait`` seconds)."""
        for _ in range(3):  # a run may move from queued to running (or back) while we look
            with self.sessions() as s:
                run = s.get(Run, run_id)
                if run is None:
                    raise RunNotFound(run_id)
                status = run.status
            if status in FINISHED_STATUSES:
                raise RunAlreadyFinished(run_id, status)
            if status == "queued" and self._finish_queued(run_id):
                return "cancelled"
            if status == "running" and self._request_cancel(run_id):
                return self._await_end(run_id, wait)
        raise RunConflict(f"run {run_id} changed state while it was being cancelled; try again")

    def _request_cancel(self, run_id: int) -> bool:
        """Record the request with the run: the worker that owns it stops it within a moment."""
        with self.sessions() as s:
            result = s.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == "running")
                .values(cancel_requested_at=_utcnow())
                .execution_options(synchronize_session=False)
            )
            s.commit()
        if self.worker is not None:
            self.worker.wake()
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _await_end(self, run_id: int, wait: float) -> str:
        deadline = time.monotonic() + wait
        while True:
            with self.sessions() as s:
                status = s.scalar(select(Run.status).where(Run.id == run_id))
            if status is None or status in FINISHED_STATUSES or time.monotonic() > deadline:
                return status or "cancelled"
            time.sleep(0.05)

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

    def _finish_queued(self, run_id: int) -> bool:
        """queued -> cancelled, atomically (a worker may be claiming it this instant), with its
        ``finished`` event in the same commit."""
        with self.sessions() as s:
            result = s.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == "queued")
                .values(status="cancelled", error="cancelled by the user", finished_at=_utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                s.rollback()
                return False
            seq = last_seq(s, run_id) + 1
            add_events(s, [RunFinished(run_id=run_id, seq=seq, status="cancelled", error="cancelled by the user")])
            s.commit()
        self._stored(run_id)
        return True


def stored_events(session: Session, run_id: int, after: int = 0) -> Iterator[Event]:
    """The stored events of a run, in order, from ``seq > after``."""
    rows = session.scalars(
        select(RunEvent).where(RunEvent.run_id == run_id, RunEvent.seq > after).order_by(RunEvent.seq)
    )
    for row in rows:
        yield event_from_dict({**row.data, "run_id": run_id, "seq": row.seq, "type": row.type})


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str | None:
    try:
        content = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    kept = [x for x in content.splitlines() if not x.startswith('{"event"')]
    return redact_paths("\n".join(kept[-lines:])) or None
