"""The deployment in real processes: `torchcanvas serve` API processes and `torchcanvas worker`
processes on one data dir and one database (PostgreSQL, and SQLite), killed and stopped as in
production. Small runs (the MLP of the API tests, a few epochs) and short leases (3 s) keep each
test to tens of seconds."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from tests.scale.support import (
    FINISHED,
    Proc,
    Server,
    account,
    alive,
    base_env,
    children_of,
    cmdline,
    epoch_lines,
    events,
    parent_of,
    start_run,
    stream,
    submit_at_once,
    wait_status,
)
from torchcanvas.db.models import Run

pytestmark = pytest.mark.slow

LEASE_S = 3.0  # base_env's TORCHCANVAS_RUN_LEASE_S


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Every process a test starts; all stopped at its end, whatever happened."""
    started: list[Proc] = []
    yield started
    for p in reversed(started):
        p.stop()


def _live_on(client: httpx.Client, run_id: int) -> list[dict]:
    """The run's stream, read to its end; asserts that it was live: the first epoch came while
    the run was running, not in a replay after it had finished."""
    seen, status_at_first_epoch = [], None
    for e in stream(client, run_id):
        if e["type"] == "epoch" and status_at_first_epoch is None:
            status_at_first_epoch = client.get(f"/runs/{run_id}").json()["status"]
        seen.append(e)
    assert status_at_first_epoch == "running", [e["type"] for e in seen]
    assert [e["seq"] for e in seen] == list(range(1, len(seen) + 1))
    return seen


def _exactly_once(client: httpx.Client, data_dir: Path, run_ids: list[int], epochs: int) -> None:
    for run_id in run_ids:
        assert wait_status(client, run_id, FINISHED)["status"] == "succeeded"
    for run_id in run_ids:
        kinds = Counter(e["type"] for e in events(client, run_id))
        assert kinds["started"] == 1 and kinds["finished"] == 1 and kinds["epoch"] == epochs, (run_id, kinds)
        assert epoch_lines(data_dir, run_id) == epochs  # train.py itself ran once: its log has one run


def _workers_of(database_url: str, run_ids: list[int]) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            return set(c.scalars(select(Run.worker_id).where(Run.id.in_(run_ids))))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_two_servers_and_two_workers_share_postgresql(tmp_path: Path, pg_url: str, procs: list[Proc]) -> None:
    data = tmp_path / "data"
    env = base_env(data, pg_url)
    a = Server("api-a", env, data, "--workers", "1", "--no-worker")
    b = Server("api-b", env, data, "--workers", "1", "--no-worker")
    procs += [a, b, Proc("worker-1", ["worker", "--concurrency", "2"], env, data)]
    procs.append(Proc("worker-2", ["worker", "--concurrency", "2"], env, data))
    ca, cb = a.wait_ready(), b.wait_ready()
    cb.headers.update(account(ca))

    run_id = start_run(ca, epochs=30)  # on A; streamed live on B
    seen = _live_on(cb, run_id)
    assert seen[-1]["type"] == "finished" and seen[-1]["status"] == "succeeded"
    _exactly_once(cb, data, [run_id], 30)

    ids = submit_at_once([ca, cb], 20, epochs=2)
    assert len(ids) == 20
    _exactly_once(ca, data, ids, 2)
    assert len(_workers_of(pg_url, ids)) == 2  # both workers took some


@pytest.mark.postgres
def test_a_killed_worker_leaves_its_run_interrupted_and_the_other_keeps_working(
    tmp_path: Path, pg_url: str, procs: list[Proc]
) -> None:
    data = tmp_path / "data"
    env = base_env(data, pg_url)
    server = Server("api", env, data, "--workers", "1", "--no-worker")
    workers = [Proc(f"worker-{i}", ["worker", "--concurrency", "1"], env, data) for i in (1, 2)]
    procs += [server, *workers]
    client = server.wait_ready()
    account(client)

    long = start_run(client, epochs=100_000)
    started = next(e for e in stream(client, long) if e["type"] == "started")
    owner = next(w for w in workers if w.pid == parent_of(started["pid"]))
    other = next(w for w in workers if w is not owner)
    short = start_run(client, epochs=40)  # the other worker's: the owner runs one at a time
    wait_status(client, short, {"running"})
    while client.get(f"/runs/{long}").json()["final"] is None:  # mid-run: after an epoch
        time.sleep(0.2)

    owner.signal(signal.SIGKILL)
    killed = time.monotonic()
    run = wait_status(client, long, FINISHED, timeout=30)
    found_after = time.monotonic() - killed
    assert run["status"] == "interrupted" and "stopped answering" in run["error"]
    assert found_after < LEASE_S + 5, found_after  # the lease, the reaper's interval, and a poll
    assert events(client, long)[-1]["status"] == "interrupted"
    deadline = time.monotonic() + 10
    while alive(started["pid"]):  # its train.py died with it (PR_SET_PDEATHSIG)
        assert time.monotonic() < deadline, "train.py outlived its worker"
        time.sleep(0.1)

    assert wait_status(client, short, FINISHED)["status"] == "succeeded"
    assert other.proc.poll() is None
    later = start_run(client, epochs=2)  # the queue goes on with one worker
    assert wait_status(client, later, FINISHED)["status"] == "succeeded"


def test_a_stopped_worker_hands_its_run_back_and_cancel_reaches_another_worker(
    tmp_path: Path, procs: list[Proc]
) -> None:
    data = tmp_path / "data"
    env = base_env(data, None)
    server = Server("api", env, data, "--workers", "1", "--no-worker")
    first = Proc("worker-1", ["worker"], env, data)
    procs += [server, first]
    client = server.wait_ready()
    account(client)

    run_id = start_run(client, epochs=100_000)
    wait_status(client, run_id, {"running"})
    while client.get(f"/runs/{run_id}").json()["final"] is None:
        time.sleep(0.2)
    first.signal(signal.SIGTERM)
    assert first.proc.wait(30) == 0
    run = client.get(f"/runs/{run_id}").json()
    assert run["status"] == "queued" and run["final"] is None and run["started_at"] is None
    kinds = [e["type"] for e in _stored(client, run_id)]
    assert kinds == ["queued", "queued"]  # the attempt's metrics are gone; the stream was told
    assert "went back to the queue" in _stored(client, run_id)[-1]["note"]

    second = Proc("worker-2", ["worker"], env, data)
    procs.append(second)
    wait_status(client, run_id, {"running"}, timeout=120)
    cancelled = client.delete(f"/runs/{run_id}")  # on the API process; the run is in worker-2
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert events(client, run_id)[-1]["status"] == "cancelled"


def _stored(client: httpx.Client, run_id: int) -> list[dict]:
    """The events stored so far, of a run that is not finished (the stream would wait)."""
    out = []
    with client.stream("GET", f"/runs/{run_id}/events", timeout=10) as s:
        try:
            for line in s.iter_lines():
                if line.startswith("data: "):
                    import json

                    out.append(json.loads(line[6:]))
        except httpx.ReadTimeout:
            pass
    return out


def test_sqlite_serve_with_two_api_processes_and_a_second_server(tmp_path: Path, procs: list[Proc]) -> None:
    """`serve --workers 2` (two API processes and its run worker) and another server with one
    more worker, on one SQLite file in WAL mode."""
    data = tmp_path / "data"
    env = base_env(data, None)
    a = Server("api-a", env, data, "--workers", "2")
    procs.append(a)
    ca = a.wait_ready()  # migrated before the others start
    b = Server("api-b", env, data, "--workers", "1", "--no-worker")
    procs += [b, Proc("worker-2", ["worker", "--concurrency", "2"], env, data)]
    cb = b.wait_ready()
    cb.headers.update(account(ca))

    run_id = start_run(ca, epochs=30)
    seen = _live_on(cb, run_id)
    assert seen[-1]["status"] == "succeeded"

    ids = submit_at_once([ca, cb], 12, epochs=2)
    _exactly_once(cb, data, ids, 2)
    assert len(_workers_of(f"sqlite:///{data / 'torchcanvas.db'}", ids)) == 2


def test_a_killed_api_process_fails_only_its_requests_and_is_replaced(tmp_path: Path, procs: list[Proc]) -> None:
    data = tmp_path / "data"
    server = Server("serve", base_env(data, None), data, "--workers", "2")
    procs.append(server)
    server.wait_ready().close()
    api = _api_processes(server.pid)
    assert len(api) == 2, [cmdline(p) for p in children_of(server.pid)]

    results: list[tuple[float, bool]] = []  # (when, answered 200)
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            while not stop.is_set():
                t = time.monotonic()
                try:
                    ok = c.get("/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                results.append((t, ok))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        victim = api[0]
        import os

        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        deadline = killed + 120
        while True:  # uvicorn's supervisor starts another
            now = _api_processes(server.pid)
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() < deadline, "the killed API process was not replaced"
            time.sleep(0.2)
        replaced = time.monotonic()
        time.sleep(3)
    finally:
        stop.set()
        for t in threads:
            t.join(30)

    failed = [t for t, ok in results if not ok]
    assert len(failed) <= len(threads), len(failed)  # at most the one request in flight per client...
    assert all(killed - 0.5 <= t <= killed + 2 for t in failed), [round(t - killed, 2) for t in failed]
    between = [ok for t, ok in results if killed + 2 < t < replaced]
    assert all(between)  # ...the other process answers meanwhile...
    after = [ok for t, ok in results if t > replaced]
    assert len(after) > 20 and all(after)  # ...and the new one too
    with httpx.Client(base_url=server.url, timeout=10) as c:
        assert c.get("/catalog").status_code == 200


def _api_processes(serve_pid: int) -> list[int]:
    """uvicorn's worker processes (multiprocessing children), not the run worker."""
    return sorted(p for p in children_of(serve_pid) if "spawn_main" in cmdline(p) and alive(p))
