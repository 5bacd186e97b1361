"""A worker that reaps a dead worker's run asks its executor to stop what may still execute elsewhere
(a Ray job outlives the worker that submitted it)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.runner.support import runner_settings
from torchcanvas.db import make_engine, make_sessionmaker, upgrade
from torchcanvas.db.models import Run
from torchcanvas.runner.executor import LaunchSpec
from torchcanvas.worker import Worker


class Executor:
    """Runs nothing; remembers which runs it was asked to stop (as RayExecutor.stop_orphan)."""

    def __init__(self) -> None:
        self.stopped: list[int] = []

    def launch(self, spec: LaunchSpec) -> Any:
        raise AssertionError("nothing is queued")

    def warm_up(self) -> None:
        pass

    def close(self) -> None:
        pass

    def stop_orphan(self, run_id: int) -> int:
        self.stopped.append(run_id)
        return 1


def test_the_reaper_stops_the_orphaned_execution(tmp_path: Path) -> None:
    settings = runner_settings(tmp_path, run_lease_s=1.0, embedded_worker=False)
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    with sessions() as s:
        dead = Run(name="dead", status="running", config={}, graph={}, created_at=long_ago, heartbeat_at=long_ago)
        alive = Run(
            name="alive",
            status="running",
            config={},
            graph={},
            created_at=long_ago,
            heartbeat_at=datetime.now(UTC) + timedelta(hours=1),
        )
        s.add_all([dead, alive])
        s.commit()
        dead_id, alive_id = dead.id, alive.id
    executor = Executor()
    worker = Worker(sessions, settings, executor)  # type: ignore[arg-type]
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not executor.stopped and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
        engine.dispose()
    assert executor.stopped == [dead_id]
    with sessions() as s:
        assert s.get(Run, dead_id).status == "interrupted"  # type: ignore[union-attr]
        assert s.get(Run, alive_id).status == "running"  # type: ignore[union-attr]
