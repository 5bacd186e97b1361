"""The verified-runnable badge: a publication's generated model.py runs one forward and backward
step on a synthetic batch of its input shape, in a subprocess under the run limits.

Verifications run in the background, one at a time (each imports torch in a fresh process; two at
once would only slow the server's requests), and record "passed" or "failed" with the error on
the publication. The subprocess gets its own process group, killed at the time limit, and an
address-space limit (RLIMIT_AS) as training runs get (torchcanvas.runner.jobs).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from torchcanvas.codegen import generate_model_py, model_class_name
from torchcanvas.db.models import Publication
from torchcanvas.graph.model import Graph
from torchcanvas.limits import Limits
from torchcanvas.runner import redact_paths

log = logging.getLogger("torchcanvas.market.verify")

HARNESS = Path(__file__).with_name("verify_step.py")
VERIFY_BATCH = 2  # BatchNorm needs more than one sample in training mode
ERROR_LINES = 20


@dataclass(frozen=True)
class Outcome:
    passed: bool
    error: str | None = None


def _inputs(graph: Graph) -> list[dict[str, object]]:
    return [{"shape": [VERIFY_BATCH if d == "B" else d for d in n.shape], "dtype": n.dtype} for n in graph.inputs()]


def _child_setup(memory_bytes: int | None) -> Callable[[], None]:
    """Between fork and exec: the memory limit, and a lower priority, since a verification is
    background work that must not slow the server's requests or the users' training runs."""

    def setup() -> None:
        os.nice(10)
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return setup


def _tail(text: str) -> str:
    return redact_paths("\n".join(text.strip().splitlines()[-ERROR_LINES:]))


def run_step(
    graph: Graph,
    *,
    time_limit_s: float,
    memory_bytes: int | None,
    limits: Limits | None = None,
    python: str | None = None,
    started: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Outcome:
    """Generate model.py for ``graph`` and run one training step of it in a subprocess.
    ``started`` is told the process (so that a stopping server can kill it)."""
    try:
        source = generate_model_py(graph, limits)
    except Exception as e:  # GraphError, LimitExceeded: the graph no longer generates
        return Outcome(False, f"the code could not be generated: {e}")
    folder = Path(tempfile.mkdtemp(prefix="torchcanvas-verify-"))
    try:
        (folder / "model.py").write_text(source)
        cmd = [python or sys.executable, str(HARNESS), model_class_name(graph), json.dumps(_inputs(graph))]
        proc = subprocess.Popen(
            cmd,
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "CUDA_VISIBLE_DEVICES": ""},
            start_new_session=True,  # its own process group: a timeout kills all of it
            preexec_fn=_child_setup(memory_bytes),
        )
        if started is not None:
            started(proc)
        try:
            out, _ = proc.communicate(timeout=time_limit_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return Outcome(False, f"one training step did not finish within the time limit of {time_limit_s:g} s")
        if proc.returncode != 0:
            text = out.decode(errors="replace")
            return Outcome(False, _tail(text) or f"the step exited with code {proc.returncode}")
        return Outcome(True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Verifier:
    """A background queue of verifications, one running at a time."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        time_limit_s: float,
        memory_limit_mb: int,
        limits: Limits,
        python: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.time_limit_s = time_limit_s
        self.memory_bytes = memory_limit_mb * 1024 * 1024 if memory_limit_mb else None
        self.limits = limits
        self.python = python
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="torchcanvas-verify")
        self._current: subprocess.Popen[bytes] | None = None  # the step running now
        self._stopping = False

    def submit(self, publication_id: int) -> Future[None]:
        return self._executor.submit(self._verify, publication_id)

    def resume(self) -> None:
        """Queue the publications left pending when the server last stopped."""
        with self.sessions() as db:
            pending = db.scalars(select(Publication.id).where(Publication.verified == "pending")).all()
        for pid in pending:
            self.submit(pid)

    def stop(self) -> None:
        """Drop the queue and kill the step running now; its publication stays "pending" and
        is verified again at the next start (``resume``)."""
        self._stopping = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        proc = self._current
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def _started(self, proc: subprocess.Popen[bytes]) -> None:
        self._current = proc
        if self._stopping:  # stopped while it was starting
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def _verify(self, publication_id: int) -> None:
        try:
            with self.sessions() as db:
                pub = db.get(Publication, publication_id)
                if pub is None or pub.verified != "pending":
                    return
                raw = pub.graph
            try:
                graph = Graph.model_validate(raw)
            except ValueError as e:
                outcome = Outcome(False, f"the published graph is no longer a valid document: {str(e)[:500]}")
            else:
                outcome = run_step(
                    graph,
                    time_limit_s=self.time_limit_s,
                    memory_bytes=self.memory_bytes,
                    limits=self.limits,
                    python=self.python,
                    started=self._started,
                )
                self._current = None
            if not self._stopping:  # a step killed by stop() proved nothing
                self._record(publication_id, outcome)
        except Exception:  # a bug or an OS failure must not end the queue's thread
            log.exception("verification of publication %s failed", publication_id)
            self._record(publication_id, Outcome(False, "the verification could not run because of a server error"))

    def _record(self, publication_id: int, outcome: Outcome) -> None:
        with self.sessions() as db:
            db.execute(
                update(Publication)
                .where(Publication.id == publication_id)
                .values(verified="passed" if outcome.passed else "failed", verify_error=outcome.error)
            )
            db.commit()
