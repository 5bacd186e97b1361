"""A real server (uvicorn in a subprocess, with its embedded worker) killed with SIGKILL in the
middle of a run, then started again on the same data dir: the run is marked interrupted once its
lease expires, queued work still runs, and nothing saved is lost."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.api_support import PASSWORD, mlp_graph
from tests.live_server import LiveServer
from tests.runner.support import FINISHED

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    # A short lease: the dead server's run is found within seconds of the restart.
    env = {"TORCHCANVAS_RUN_TORCH_THREADS": "1", "TORCHCANVAS_RUN_LEASE_S": "2"}
    s = LiveServer(tmp_path / "data", env=env)
    yield s
    s.kill()


def _wait(client: httpx.Client, run_id: int, statuses: set[str], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get(f"/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        assert time.monotonic() < deadline, run["status"]
        time.sleep(0.2)


def test_a_killed_server_marks_its_run_interrupted_and_loses_nothing(server: LiveServer) -> None:
    client = server.start()
    signed = client.post("/auth/signup", json={"username": "alice", "password": PASSWORD})
    client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    model = client.post("/models", json={"graph": mlp_graph(), "name": "kept"}).json()
    finished = client.post("/runs", json={"model_id": model["id"], "epochs": 3}).json()
    finished = _wait(client, finished["id"], FINISHED)
    assert finished["status"] == "succeeded"
    metrics = client.get(f"/runs/{finished['id']}").json()["metrics"]

    long = client.post("/runs", json={"graph": mlp_graph(), "epochs": 100_000}).json()
    queued = client.post("/runs", json={"graph": mlp_graph(), "epochs": 2}).json()
    running = _wait(client, long["id"], {"running"})
    deadline = time.monotonic() + 60  # mid-run: after its first epoch
    while client.get(f"/runs/{long['id']}").json()["final"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    pid = next(e for e in _events(client, long["id"]) if e["type"] == "started")["pid"]
    server.kill()
    client.close()
    # The kernel ends the orphaned train.py (PR_SET_PDEATHSIG): no run outlives its server.
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, "train.py outlived the server"
        time.sleep(0.1)

    client = server.start()
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    after = _wait(client, long["id"], FINISHED, timeout=30)
    assert after["status"] == "interrupted" and after["started_at"] == running["started_at"]
    assert "stopped answering" in after["error"]
    assert after["final"] is not None  # the epochs it finished are kept
    assert _events(client, long["id"])[-1]["status"] == "interrupted"
    assert _wait(client, queued["id"], FINISHED)["status"] == "succeeded"  # the queue survived

    assert client.get(f"/models/{model['id']}").json()["name"] == "kept"
    again = client.get(f"/runs/{finished['id']}").json()
    assert again["status"] == "succeeded" and again["metrics"] == metrics
    client.close()


def _events(client: httpx.Client, run_id: int) -> list[dict[str, Any]]:
    import json

    text = client.get(f"/runs/{run_id}/events", timeout=5).text if _finished(client, run_id) else ""
    if not text:  # still running: read what is stored through the run itself
        with client.stream("GET", f"/runs/{run_id}/events", timeout=5) as s:
            for chunk in s.iter_text():
                text += chunk
                if "event: started" in text:
                    break
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def _finished(client: httpx.Client, run_id: int) -> bool:
    return client.get(f"/runs/{run_id}").json()["status"] in FINISHED


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (the dead server's child, not yet reaped by init) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
