"""The next run's interpreter warms up while runs wait behind a running one (a lesson's variants),
not after it ends; a lone run's start shares the CPU with no one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.runner.support import runner_settings
from torchcanvas.db import make_engine, make_sessionmaker, upgrade
from torchcanvas.db.models import Run
from torchcanvas.runner.executor import LaunchSpec
from torchcanvas.worker import Worker

CONFIG = {"epochs": 1, "batch_size": 8, "lr": 0.01, "seed": 0, "dataset": {"type": "Regression1D"}}


class Execution:
    """A run that prints nothing and ends when the test says so."""

    pid = None

    def __init__(self) -> None:
        self.release = threading.Event()

    def lines(self) -> Iterator[bytes]:
        self.release.wait(30)
        return iter(())

    def kill(self) -> None:
        self.release.set()

    def wait(self) -> int:
        return 0

    def collect(self) -> None:
        return None


class Executor:
    """Records the order of warm-ups and launches (a warm-up counts once a spare is "ready")."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.spare = False
        self.running: dict[int, Execution] = {}

    def warm_up(self) -> None:
        if not self.spare:
            self.spare = True
            self.log.append("warm")

    def launch(self, spec: LaunchSpec) -> Execution:
        self.log.append(f"launch {spec.run_id} ({'warm' if self.spare else 'cold'})")
        self.spare = False
        self.running[spec.run_id] = e = Execution()
        return e

    def close(self) -> None:
        pass


def _worker(tmp_path: Path, n_runs: int) -> tuple[Worker, Executor, list[int], Any]:
    settings = runner_settings(tmp_path, embedded_worker=False)
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        runs = [
            Run(name=f"v{i}", status="queued", config=CONFIG, graph={}, created_at=datetime.now(UTC))
            for i in range(n_runs)
        ]
        s.add_all(runs)
        s.commit()
        ids = [r.id for r in runs]
    for i in ids:
        (settings.runs_dir / str(i)).mkdir(parents=True)
    executor = Executor()
    worker = Worker(sessions, settings, executor, concurrency=1)  # type: ignore[arg-type]
    return worker, executor, ids, engine


def _until(condition: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_next_interpreter_warms_while_runs_wait(tmp_path: Path) -> None:
    worker, executor, ids, engine = _worker(tmp_path, 3)
    worker.start()
    try:
        for run_id in ids:
            _until(lambda run_id=run_id: run_id in executor.running)
            # While this run trains and others wait, the spare for the next is being made.
            if run_id != ids[-1]:
                _until(lambda: executor.spare)
            executor.running[run_id].release.set()
    finally:
        worker.stop()
        engine.dispose()
    assert executor.log[:6] == [
        "warm",  # the worker was idle
        f"launch {ids[0]} (warm)",
        "warm",  # during the first run: two wait
        f"launch {ids[1]} (warm)",
        "warm",  # during the second: one waits
        f"launch {ids[2]} (warm)",
    ]


def test_a_lone_run_starts_with_no_warm_up_beside_it(tmp_path: Path) -> None:
    worker, executor, ids, engine = _worker(tmp_path, 1)
    worker.start()
    try:
        _until(lambda: ids[0] in executor.running)
        time.sleep(2.5)  # the worker looks at the queue about once a second
        assert executor.log == ["warm", f"launch {ids[0]} (warm)"]
        executor.running[ids[0]].release.set()
    finally:
        worker.stop()
        engine.dispose()
