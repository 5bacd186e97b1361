"""The real server in a subprocess, on a free port with its own data dir: one helper for every
test and benchmark that needs uvicorn rather than the in-process ASGI client.

    with LiveServer(tmp_path / "data") as server:
        server.api.get("/health")

``start()`` may be called again after ``kill()`` (the restart test does), on the same data dir.
The server's output goes to ``<data_dir>/server.log``, quoted when it fails to start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parents[1]

# uvicorn's access log is off: under load its lines would be part of what a benchmark measures.
_SERVE = (
    "import sys, uvicorn; from torchcanvas.api import create_app; "
    "uvicorn.run(create_app(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning', access_log=False)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerError(RuntimeError):
    """The server exited or did not answer /health in time (the log's tail is in the message)."""


class LiveServer:
    def __init__(self, data_dir: Path, env: Mapping[str, str] | None = None, startup_s: float = 60) -> None:
        self.data_dir = Path(data_dir)
        self.extra_env = dict(env or {})
        self.startup_s = startup_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""  # http://127.0.0.1:PORT
        self.api = httpx.Client()  # replaced by start(): a client on .../api/v1

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> httpx.Client:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = {**os.environ, "TORCHCANVAS_DATA_DIR": str(self.data_dir), **self.extra_env}
        if "TORCHCANVAS_DATABASE_URL" not in self.extra_env:
            env.pop("TORCHCANVAS_DATABASE_URL", None)  # the embedded SQLite of the data dir
        with open(self.data_dir / "server.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _SERVE, str(port)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
            )
        self.url = f"http://127.0.0.1:{port}"
        self.api.close()
        self.api = httpx.Client(base_url=f"{self.url}/api/v1", timeout=30)
        deadline = time.monotonic() + self.startup_s
        while True:
            if self.proc.poll() is not None:
                raise ServerError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if self.api.get("health", timeout=1).status_code == 200:
                    return self.api
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise ServerError(
                    f"the server did not answer /api/v1/health in {self.startup_s:.0f} s:\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def log_tail(self, chars: int = 3000) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-chars:] if path.is_file() else ""

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing gets to clean up."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
        self.api.close()


def health_during(server: LiveServer, path: str, body: object, pause_s: float) -> tuple[list[float], httpx.Response]:
    """``/health`` latencies (s) measured every ``pause_s`` while ``POST path`` with ``body`` is
    being answered, from another connection; and that answer."""
    answer: list[httpx.Response] = []
    request = threading.Thread(target=lambda: answer.append(server.api.post(path, json=body, timeout=600)))
    request.start()
    latencies = []
    with httpx.Client(base_url=server.api.base_url, timeout=60) as probe:
        while request.is_alive():
            started = time.perf_counter()
            probe.get("health").raise_for_status()
            latencies.append(time.perf_counter() - started)
            time.sleep(pause_s)
    request.join()
    return latencies, answer[0]
