"""Processes for the multi-process tests: ``torchcanvas serve`` and ``torchcanvas worker`` as
subprocesses on one data dir and one database, and what the tests ask of them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from tests.api.api_support import PASSWORD, mlp_graph
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
FINISHED = {"succeeded", "failed", "cancelled", "interrupted"}


def base_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """What every process of one deployment shares: the data dir (the runs' files), the database,
    short leases, and room for many queued runs."""
    env = {
        **os.environ,
        "TORCHCANVAS_DATA_DIR": str(data_dir),
        "TORCHCANVAS_RUN_TORCH_THREADS": "1",
        "TORCHCANVAS_RUN_HEARTBEAT_S": "0.5",
        "TORCHCANVAS_RUN_LEASE_S": "3",
        "TORCHCANVAS_MAX_QUEUED_RUNS": "40",
        "TORCHCANVAS_QUOTAS__QUEUED_RUNS": "40",
        "TORCHCANVAS_QUOTAS__CONCURRENT_RUNS": "8",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **extra,
    }
    env.pop("TORCHCANVAS_DATABASE_URL", None)
    if database_url:
        env["TORCHCANVAS_DATABASE_URL"] = database_url
    return env


class Proc:
    """One ``python -m torchcanvas.cli ...`` process, its output in ``<data_dir>/<name>.log``."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], data_dir: Path) -> None:
        self.name = name
        self.log_path = data_dir / f"{name}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "torchcanvas.cli", *args],
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.is_file() else ""

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Server(Proc):
    """``torchcanvas serve`` on a free port; ``client`` once it answers /health."""

    def __init__(self, name: str, env: Mapping[str, str], data_dir: Path, *flags: str, port: int | None = None) -> None:
        self.port = port or free_port()
        super().__init__(name, ["serve", "--port", str(self.port), *flags], env, data_dir)
        self.url = f"http://127.0.0.1:{self.port}/api/v1"

    def wait_ready(self, timeout: float = 180) -> httpx.Client:
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=5) as probe:
            while True:
                assert self.proc.poll() is None, f"{self.name} exited:\n{self.log_tail()}"
                try:
                    if probe.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"{self.name} did not answer in {timeout} s:\n{self.log_tail()}"
                time.sleep(0.3)
        return httpx.Client(base_url=self.url, timeout=60)


def account(client: httpx.Client, username: str = "alice") -> dict[str, str]:
    """Sign up; the headers of a personal API token (good on every API process of the deployment)."""
    signed = client.post("/auth/signup", json={"username": username, "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    token = client.post("/auth/tokens", json={"name": "test"})
    assert token.status_code == 201, token.text
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    client.headers.update(headers)
    return headers


def start_run(client: httpx.Client, epochs: int, name: str = "MLP") -> int:
    """POST /runs; a 503 (the API process's CPU pool is full, under a burst) is retried after a
    moment, as its Retry-After asks."""
    for _ in range(20):
        r = client.post("/runs", json={"graph": mlp_graph(name), "epochs": epochs})
        if r.status_code != 503:
            break
        time.sleep(0.5)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def wait_status(client: httpx.Client, run_id: int, statuses: set[str], timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get(f"/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        assert time.monotonic() < deadline, f"run {run_id} is still {run['status']} after {timeout} s"
        time.sleep(0.2)


def events(client: httpx.Client, run_id: int) -> list[dict[str, Any]]:
    """The stored events of a finished run (its whole stream)."""
    text = client.get(f"/runs/{run_id}/events", timeout=30).text
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def stream(client: httpx.Client, run_id: int) -> Iterator[dict[str, Any]]:
    """A run's event stream as it comes."""
    with client.stream("GET", f"/runs/{run_id}/events", timeout=120) as s:
        for line in s.iter_lines():
            if line.startswith("data: "):
                yield json.loads(line[6:])


def epoch_lines(data_dir: Path, run_id: int) -> int:
    """How many epochs train.py printed into the run's log: twice the epochs if it ran twice."""
    log = (data_dir / "runs" / str(run_id) / "log.txt").read_text(errors="replace")
    return sum(1 for line in log.splitlines() if line.startswith('{"event": "epoch"'))


def submit_at_once(clients: list[httpx.Client], n: int, epochs: int) -> list[int]:
    """``n`` runs posted together from threads, spread over ``clients`` (each API process)."""
    ids: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    gate = threading.Barrier(n)

    def post(i: int) -> None:
        try:
            gate.wait(30)
            run_id = start_run(clients[i % len(clients)], epochs, name=f"run{i}")
            with lock:
                ids.append(run_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    return sorted(ids)


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and parent_of(int(entry.name)) == pid:
            out.append(int(entry.name))
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
