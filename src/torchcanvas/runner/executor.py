"""How a worker executes one prepared run: the interface, and the local executor.

The worker (torchcanvas.worker) claims a run, writes nothing but its events, and hands the run
to an ``Executor`` as a ``LaunchSpec``: the run's folder (the generated project), train.py's
arguments, extra environment and limits. The executor starts it and gives back an
``Execution``: the script's output lines, a kill switch, the exit code, and ``collect()``, which
brings the outputs into the folder when the run happened elsewhere.

``LocalExecutor`` runs train.py as a child process group on this machine, through a warm
launcher (runner/launcher.py). ``TORCHCANVAS_RUNNER=ray`` selects the Ray executor
(runner/ray_executor.py), which submits each run as a Ray job.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from torchcanvas.settings import Settings


@dataclass(frozen=True)
class LaunchSpec:
    run_id: int
    folder: Path  # the run's folder: generated files; log.txt and runs/ go here
    args: list[str]  # train.py's arguments (relative paths, as shown to users)
    env: dict[str, str] = field(default_factory=dict)  # extra environment (threads etc.)
    memory_bytes: int | None = None  # RLIMIT_AS, None for none
    device: str = "auto"  # the run's training.device: "auto" | "cpu" | "cuda"
    threads: int | None = None  # torch's intra-op threads (runner/threads.py); None: torch's default


class Execution(Protocol):
    pid: int | None  # for the "started" event; None when remote

    def lines(self) -> Iterator[bytes]:
        """The script's stdout and stderr, line by line, until it ends."""
        ...

    def kill(self) -> None:
        """Stop it now (idempotent, from any thread)."""
        ...

    def wait(self) -> int | None:
        """The exit code, once it has ended."""
        ...

    def collect(self) -> None:
        """Bring the outputs (runs/, the checkpoint) into the run's folder; local: nothing to do."""
        ...


class Executor(Protocol):
    def launch(self, spec: LaunchSpec) -> Execution: ...

    def warm_up(self) -> None:
        """Called when the worker is idle: prepare for the next run (may do nothing)."""
        ...

    def close(self) -> None: ...


def make_executor(settings: Settings) -> Executor:
    """The executor named by ``settings.runner`` (TORCHCANVAS_RUNNER): "local" or "ray"."""
    if settings.runner == "ray":
        from torchcanvas.runner.ray_executor import RayExecutor  # type: ignore[import-not-found,unused-ignore]

        executor: Executor = RayExecutor(settings)
        return executor
    return LocalExecutor(
        cwd=settings.runs_dir, python=settings.run_python, warm=settings.run_warm_start, env=run_env(settings)
    )


def run_env(settings: Settings) -> dict[str, str]:
    """The environment a run gets on top of the worker's: one torch thread count for all."""
    env = {"PYTHONUNBUFFERED": "1", "TQDM_DISABLE": "1"}  # no progress bars in the log
    if settings.run_torch_threads:
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(settings.run_torch_threads)
    return env


# --- the local executor --------------------------------------------------------------------------


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    except OSError:
        return None


_LIBC = _libc()
_PR_SET_PDEATHSIG = 1
LAUNCHER = str(Path(__file__).with_name("launcher.py"))


def die_with_parent(parent: int) -> Callable[[], None]:
    """What runs in a child between fork and exec: dying with its parent. (The memory limit is set
    by the launcher once it has done its imports, see launcher.py.)"""

    def setup() -> None:
        if _LIBC is not None:
            # A worker killed with SIGKILL cannot stop its runs; the kernel does it for us. The
            # signal comes when the *thread* that started the child ends, so a child must be
            # started by a thread that outlives it.
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != parent:  # the parent died before prctl
                os._exit(1)

    return setup


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the process group of ``proc`` (a DataLoader's workers too), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.wait(5)


class LocalExecution:
    """train.py in a launcher process on this machine, in its own process group."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.pid: int | None = proc.pid

    def lines(self) -> Iterator[bytes]:
        assert self.proc.stdout is not None
        yield from self.proc.stdout

    def kill(self) -> None:
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # the whole group: workers of a DataLoader too

    def wait(self) -> int | None:
        return self.proc.wait()

    def collect(self) -> None:
        return None  # it wrote into the run's folder itself


class LocalExecutor:
    """Runs each run as ``python train.py ARGS`` in the run's folder, on this machine.

    Keeps one launcher ahead (``warm_up``): an interpreter that has imported torch while the
    worker was idle, so that Train -> first metric is well under a second. A spec whose extra
    environment differs from the launcher's gets a fresh interpreter.
    """

    def __init__(self, cwd: Path, python: str | None = None, warm: bool = True, env: dict[str, str] | None = None):
        self.cwd = Path(cwd)
        self.python = python or sys.executable
        self.warm = warm
        self.env = dict(env or {})
        self._spare: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def _spawn(self, extra: dict[str, str]) -> subprocess.Popen[bytes]:
        self.cwd.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen(
            [self.python, LAUNCHER],
            cwd=self.cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, **extra},
            start_new_session=True,  # its own process group: kill() stops all of it
            preexec_fn=die_with_parent(os.getpid()),
        )

    def warm_up(self) -> None:
        """Have a launcher do the slow imports now, for the next run. Called when no run is active
        (during one, the imports would slow its start), from a thread that lives as long as the
        worker (the launcher's parent-death signal follows the thread that started it)."""
        if not self.warm:
            return
        with self._lock:
            if self._closed or (self._spare is not None and self._spare.poll() is None):
                return
            self._spare = self._spawn(self.env)

    def launch(self, spec: LaunchSpec) -> LocalExecution:
        env = {**self.env, **spec.env}
        with self._lock:
            proc, self._spare = self._spare, None
        if proc is not None and (proc.poll() is not None or env != self.env):
            kill_group(proc)
            proc = None
        if proc is None:
            proc = self._spawn(env)
        line = {"cwd": str(spec.folder), "args": spec.args, "memory_bytes": spec.memory_bytes, "threads": spec.threads}
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(line) + "\n").encode())
        proc.stdin.close()
        return LocalExecution(proc)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
        if spare is not None:
            kill_group(spare)
