"""A real local Ray head for tests and benchmarks: ``with local_head() as address: ...``.

``ray start --head --block`` in a short temp dir, on loopback and free ports (several heads, of
several test runs, can share the machine), stopped by stopping that process and then its own
descendants: ``ray stop`` would stop every Ray on the machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


@contextlib.contextmanager
def local_head(num_cpus: int = 2, timeout: float = 120) -> Iterator[str]:
    """A Ray head with ``num_cpus`` CPUs and no GPU; yields its job API's address."""
    from ray.job_submission import JobSubmissionClient

    ray = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
    if ray is None:
        raise RuntimeError("the ray command is missing although the ray package is installed")
    # Short: Ray's socket paths inside it must fit in 107 characters.
    temp = Path(tempfile.mkdtemp(prefix="tc-ray-", dir="/tmp"))
    dashboard = _free_port()
    ports = {
        "--port": _free_port(),
        "--dashboard-port": dashboard,
        "--ray-client-server-port": _free_port(),
        "--dashboard-agent-listen-port": _free_port(),
        "--dashboard-agent-grpc-port": _free_port(),
        "--runtime-env-agent-port": _free_port(),
        "--metrics-export-port": _free_port(),
        "--node-manager-port": _free_port(),
        "--object-manager-port": _free_port(),
    }
    command = [ray, "start", "--head", "--block", "--num-cpus", str(num_cpus), "--num-gpus", "0"]
    # 127.0.0.2: Ray replaces 127.0.0.1 by the machine's network address; the rest of 127/8 is loopback too.
    command += ["--temp-dir", str(temp), "--node-ip-address", "127.0.0.2", "--dashboard-host", "127.0.0.1"]
    command += ["--object-store-memory", str(100 * 1024 * 1024), "--include-dashboard", "true", "--disable-usage-stats"]
    for flag, port in ports.items():
        command += [flag, str(port)]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # the jobs' `python`
        "RAY_USAGE_STATS_ENABLED": "0",
        "TORCHCANVAS_NODE_DATA": str(temp / "node-data"),
        "PYTHONPATH": "",  # jobs import nothing of ours but the wrapper Ray ships with them
    }
    logfile = open(temp / "head.log", "wb")  # noqa: SIM115 (open as long as the head)
    head = subprocess.Popen(command, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    address = f"http://127.0.0.1:{dashboard}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if head.poll() is not None:
                raise RuntimeError(f"ray start exited {head.returncode}: {(temp / 'head.log').read_text()[-3000:]}")
            try:
                JobSubmissionClient(address).list_jobs()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield address
    finally:
        pids = _descendants(head.pid)  # before they are orphaned: only this head's processes
        head.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            head.wait(20)
        for pid in [*pids, head.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            head.wait(5)
        logfile.close()
        shutil.rmtree(temp, ignore_errors=True)
