"""Runs on a Ray cluster: each run is one Ray job (``TORCHCANVAS_RUNNER=ray``, the .[cluster] extra).

A run is a script with resources, which is what a Ray job is: the run's folder (the generated
project) is the job's ``working_dir``, ``python train.py ARGS`` its entrypoint (through the small
wrapper ``torchcanvas_job.py``, shipped with the job), and Ray picks a node with the CPUs and the
GPU the run asks for. The worker (torchcanvas.worker) drives it through the same ``Execution`` as
a local run: the job's log is tailed into ``lines()``, ``kill()`` stops the job, ``wait()`` maps
its status to an exit code and ``collect()`` brings ``runs/`` back into the run's folder.

Paths. The job runs in a copy of the folder on some node, where the relative paths the server
computed for its own disk mean nothing. Two set-ups:

- shared storage (``TORCHCANVAS_RAY_SHARED_DATA_DIR``: where the nodes see the data directory):
  ``--data-root`` and ``--out`` become absolute paths there; the run writes its outputs
  straight into its folder and ``collect()`` has nothing to do;
- none: data sets are downloaded into each node's own cache (``--node-data``; uploaded images,
  which exist only on the server, are refused with a clear error), and the wrapper sends
  ``runs/`` back through the job's log as a gzipped tar in base64 lines, which the executor takes
  out of the log (they never reach ``lines()``) and unpacks here. The log is the one channel
  from a job back to its submitter that needs nothing else from the cluster, and Ray keeps it
  after the job ends, so a tail that broke off can read it again.

Submission ids are ``<prefix>-run-<run id>-<random>``: a run that is executed again (handed back
to the queue) gets a new job, since Ray appends a reused id's log to the old one, and
``stop_orphan(run_id)`` finds the jobs of a run whose worker died.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import logging
import os
import queue
import secrets
import shlex
import signal
import tarfile
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from torchcanvas.graph.validate import GraphError, Issue
from torchcanvas.runner import torchcanvas_job as job
from torchcanvas.runner.executor import LaunchSpec, run_env
from torchcanvas.runner.threads import threads_env

if TYPE_CHECKING:
    from torchcanvas.settings import Settings

log = logging.getLogger("torchcanvas.runner.ray")

# The wrapper's package, shipped with every job: ``python -m torchcanvas_job`` on the node.
JOB_PACKAGE = Path(job.__file__).parent
POLL_S = 0.5
# How long the cluster may not answer before a run is given up as lost (a head that restarts
# answers again well within it).
LOST_AFTER_S = 60.0
GPU_CACHE_S = 30.0
SUBMIT_TRIES = 3


class RayUnavailable(RuntimeError):
    """The Ray extra is not installed, or no cluster address is set."""


def _job_client(address: str) -> Any:
    try:
        from ray.job_submission import JobSubmissionClient
    except ImportError as exc:  # the .[cluster] extra
        raise RayUnavailable(
            "TORCHCANVAS_RUNNER=ray needs Ray's job client: pip install 'torchcanvas[cluster]'"
        ) from exc
    return JobSubmissionClient(address)


class RayExecution:
    """One run's Ray job: its log followed by a thread of its own, from submission to the end."""

    def __init__(self, client: Any, submission_id: str, folder: Path, *, max_output_bytes: int, shared: bool) -> None:
        self.pid: int | None = None  # the process is on another machine
        self.client = client
        self.submission_id = submission_id
        self.folder = folder
        self.max_output_bytes = max_output_bytes
        self.shared = shared
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._done = threading.Event()
        self._killed = threading.Event()
        self._consumed = 0  # characters of the job's log read so far (its tail, or its polls)
        self._partial = ""
        self._end_code: int | None = None  # the wrapper's last line: the whole log has been read
        self._info: Any = None  # the job's final JobDetails
        self._lost: str | None = None
        self._outputs: IO[bytes] | None = None
        self._outputs_size = 0
        self._outputs_hash = hashlib.sha256()
        self._outputs_end: tuple[str, int] | None = None  # (sha256, bytes) the wrapper announced
        self._thread = threading.Thread(target=self._follow, name=f"torchcanvas-ray-{submission_id}", daemon=True)
        self._thread.start()

    # --- the Execution interface -------------------------------------------------------------

    def lines(self) -> Iterator[bytes]:
        while (line := self._lines.get()) is not None:
            yield line

    def kill(self) -> None:
        self._killed.set()
        if self._done.is_set():
            return
        try:
            self.client.stop_job(self.submission_id)
        except Exception as exc:  # gone already, or the cluster is unreachable (then it is lost)
            log.warning("ray: could not stop job %s: %s", self.submission_id, exc)

    def wait(self) -> int | None:
        self._done.wait()
        info = self._info
        if info is None:  # the cluster stopped answering
            return None
        if info.driver_exit_code is not None:
            return int(info.driver_exit_code)
        if self._end_code is not None:
            return self._end_code
        status = str(info.status.value if hasattr(info.status, "value") else info.status)
        # A job stopped before its script ran has no exit code: SIGTERM's, as a killed process.
        # One that failed before it (its runtime environment could not be set up) has none.
        return {"SUCCEEDED": 0, "STOPPED": -int(signal.SIGTERM)}.get(status)

    def collect(self) -> None:
        """Unpack the outputs the wrapper sent through the log into the run's folder (with shared
        storage the run wrote them there itself)."""
        self._done.wait()
        if self.shared:
            return
        try:
            if self._outputs_end is None and self._info is not None:
                self._reread_outputs()  # the tail broke off before the outputs: the log is kept
            if self._outputs is not None and self._outputs_end is not None:
                self._unpack()
        except Exception as exc:  # a damaged archive must not fail the run: its log says the rest
            log.warning("ray: the outputs of job %s could not be unpacked: %s", self.submission_id, exc)
        finally:
            if self._outputs is not None:
                self._outputs.close()
                self._outputs = None
        with contextlib.suppress(Exception):  # the run's folder now holds all the job had
            self.client.delete_job(self.submission_id)

    # --- following the job -------------------------------------------------------------------

    def _follow(self) -> None:
        try:
            try:
                asyncio.run(self._tail())
            except Exception as exc:  # the websocket broke: polling reads the rest of the log
                log.info("ray: tailing job %s stopped (%s); polling its log", self.submission_id, exc)
            self._poll_to_end()
            if self._partial:
                self._line(self._partial)
                self._partial = ""
            info = self._info
            if info is not None and info.driver_exit_code is None and self._end_code is None:
                status = str(getattr(info.status, "value", info.status))
                if status == "FAILED":  # the script never ran: say why (Ray's message)
                    self._lines.put(f"ray: job {self.submission_id} failed: {info.message}\n".encode())
            if self._lost is not None:
                self._lines.put(f"ray: lost contact with the cluster: {self._lost}\n".encode())
        except Exception:  # a bug here must still end lines() and wait()
            log.exception("ray: following job %s failed", self.submission_id)
        finally:
            self._lines.put(None)
            self._done.set()

    async def _tail(self) -> None:
        async for chunk in self.client.tail_job_logs(self.submission_id):
            self._feed(chunk)

    def _poll_to_end(self) -> None:
        """Until the job has ended: its status, and the log past what was read when the wrapper's
        last line has not been seen yet."""
        silent_since: float | None = None
        while True:
            try:
                info = self.client.get_job_info(self.submission_id)
                if self._end_code is None:
                    text = self.client.get_job_logs(self.submission_id)
                    if len(text) > self._consumed:
                        self._feed(text[self._consumed :])
            except Exception as exc:
                now = time.monotonic()
                silent_since = silent_since or now
                if now - silent_since > LOST_AFTER_S:
                    self._lost = str(exc)
                    return
                time.sleep(1.0)
                continue
            silent_since = None
            if info.status.is_terminal():
                self._info = info
                return
            time.sleep(POLL_S)

    def _feed(self, text: str) -> None:
        self._consumed += len(text)
        text = self._partial + text
        *complete, self._partial = text.split("\n")
        for line in complete:
            self._line(line)

    def _line(self, line: str) -> None:
        if self._output_line(line):
            return
        if line.startswith(job.END):
            with contextlib.suppress(ValueError):
                self._end_code = int(line[len(job.END) :])
        else:
            self._lines.put((line + "\n").encode("utf-8", "replace"))

    def _chunk(self, text: str) -> None:
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return
        if self._outputs_size + len(data) > self.max_output_bytes:
            return  # more than the wrapper may send: the digest will not match, nothing is unpacked
        if self._outputs is None:
            # Open until collect() (or the execution is dropped): off the run's folder, gone on close.
            self._outputs = tempfile.TemporaryFile(prefix="torchcanvas-ray-outputs-")  # noqa: SIM115
        self._outputs.write(data)
        self._outputs_size += len(data)
        self._outputs_hash.update(data)

    def _reread_outputs(self) -> None:
        if self._outputs is not None:
            self._outputs.close()
        self._outputs, self._outputs_size, self._outputs_hash = None, 0, hashlib.sha256()
        for line in self.client.get_job_logs(self.submission_id).split("\n"):
            self._output_line(line)

    def _output_line(self, line: str) -> bool:
        """Take a line of the outputs' archive (a chunk, or the end with its digest); False for others."""
        if line.startswith(job.OUTPUTS):
            self._chunk(line[len(job.OUTPUTS) :])
        elif line.startswith(job.OUTPUTS_END):
            digest, _, size = line[len(job.OUTPUTS_END) :].partition(" ")
            with contextlib.suppress(ValueError):
                self._outputs_end = (digest.strip(), int(size))
        else:
            return False
        return True

    def _unpack(self) -> None:
        assert self._outputs is not None and self._outputs_end is not None
        digest, size = self._outputs_end
        if size != self._outputs_size or digest != self._outputs_hash.hexdigest():
            raise ValueError(f"received {self._outputs_size} bytes, the job sent {size}: incomplete")
        self._outputs.seek(0)
        with tarfile.open(fileobj=self._outputs, mode="r:gz") as tar:
            members = tar.getmembers()
            total = sum(m.size for m in members)
            if total > self.max_output_bytes * 4:  # gzip: a small archive could unpack to much more
                raise ValueError(f"the outputs unpack to {total} bytes")
            if any(PurePosixPath(m.name).parts[:1] != ("runs",) or not (m.isfile() or m.isdir()) for m in members):
                raise ValueError("the archive holds more than runs/")
            # The "data" filter refuses absolute names, '..', links and devices: nothing lands
            # outside the run's folder.
            tar.extractall(self.folder, members=members, filter="data")


class RayExecutor:
    """Submits each run as a Ray job to the cluster at ``settings.ray_address`` (or RAY_ADDRESS)."""

    def __init__(self, settings: Settings, *, client: Any = None) -> None:
        self.address = settings.ray_address or os.environ.get("RAY_ADDRESS")
        if client is None and not self.address:
            raise RayUnavailable(
                "TORCHCANVAS_RUNNER=ray needs the cluster's address: set RAY_ADDRESS (or TORCHCANVAS_RAY_ADDRESS) "
                "to its job API, such as http://head:8265"
            )
        self.data_dir = Path(settings.data_dir).resolve()
        self.shared = settings.ray_shared_data_dir
        self.cpus = settings.ray_run_cpus
        self.max_output_bytes = settings.ray_max_output_mb * 1024 * 1024
        self.prefix = settings.ray_job_prefix
        self.env = run_env(settings)
        self._client = client
        self._lock = threading.Lock()
        self._gpus: tuple[float, float] | None = None  # (when read, the cluster's GPUs)
        self._live: weakref.WeakSet[RayExecution] = weakref.WeakSet()
        self._retry_at = 0.0  # when warm_up may ask a cluster that did not answer again

    def client(self) -> Any:
        """The job client, made on first use: a worker starts while the cluster is down too."""
        with self._lock:
            if self._client is None:
                assert self.address is not None
                self._client = _job_client(self.address)
            return self._client

    # --- the Executor interface ----------------------------------------------------------------

    def warm_up(self) -> None:
        """Connect, and read the cluster's GPUs, while no run waits. Nothing to start ahead: each
        job is a fresh interpreter on whichever node Ray picks. The worker calls this at every
        idle poll: a cluster that does not answer is asked again only a minute later."""
        now = time.monotonic()
        if now < self._retry_at:
            return
        try:
            self.client()
            self.cluster_gpus()
        except Exception as exc:
            self._retry_at = now + 60
            log.warning("ray: the cluster at %s does not answer: %s", self.address, exc)

    def launch(self, spec: LaunchSpec) -> RayExecution:
        client = self.client()
        options, args = self.job_args(spec)
        gpus = self.gpus_for(spec)
        try:
            self.stop_orphan(spec.run_id)  # an earlier attempt of this run, if its worker died
        except Exception as exc:  # the reaper's job: this one is a courtesy
            log.warning("ray: could not look for earlier jobs of run %s: %s", spec.run_id, exc)
        submission_id = f"{self.prefix}-run-{spec.run_id}-{secrets.token_hex(4)}"
        self._submit(
            client,
            entrypoint=shlex.join(["python", "-m", JOB_PACKAGE.name, *options, "--", *args]),
            submission_id=submission_id,
            runtime_env={
                "working_dir": str(spec.folder),
                "excludes": ["/log.txt", "/runs/", "__pycache__/"],  # what the worker writes there
                "py_modules": [str(JOB_PACKAGE)],
                "env_vars": {**self.env, **spec.env, **threads_env(spec.threads)},
            },
            entrypoint_num_cpus=self.cpus,
            entrypoint_num_gpus=gpus or None,
            metadata={"torchcanvas_run": str(spec.run_id)},
        )
        execution = RayExecution(
            client,
            submission_id,
            spec.folder,
            max_output_bytes=self.max_output_bytes,
            shared=self.shared is not None,
        )
        self._live.add(execution)
        return execution

    @staticmethod
    def _submit(client: Any, **job: Any) -> None:
        """Submit, trying again when the head fails to answer (a busy head times out): the id is
        the run's own, so a try that reached the head and then failed is not a second job."""
        for attempt in range(SUBMIT_TRIES):
            try:
                client.submit_job(**job)
                return
            except Exception as exc:
                if "already exists" in str(exc):  # an earlier try got through
                    return
                if attempt == SUBMIT_TRIES - 1:
                    raise
                log.warning("ray: submitting job %s failed (%s); trying again", job["submission_id"], exc)
                time.sleep(2.0 * (attempt + 1))

    def close(self) -> None:
        """Stop the jobs still running: a worker that stops hands its runs back to the queue."""
        for execution in list(self._live):
            execution.kill()

    # --- for the reaper ------------------------------------------------------------------------

    def stop_orphan(self, run_id: int) -> int:
        """Stop the jobs of run ``run_id`` that are still running (its worker died); how many."""
        client = self.client()
        mine = f"{self.prefix}-run-{run_id}-"
        stopped = 0
        for details in client.list_jobs():
            sid = details.submission_id or ""
            if sid.startswith(mine) and not details.status.is_terminal():
                with contextlib.suppress(Exception):  # it ended in between
                    stopped += bool(client.stop_job(sid))
        return stopped

    # --- a run's job ---------------------------------------------------------------------------

    def job_args(self, spec: LaunchSpec) -> tuple[list[str], list[str]]:
        """The wrapper's options and train.py's arguments, with the paths the job can use."""
        options: list[str] = ["--max-output-bytes", str(self.max_output_bytes)]
        args = list(spec.args)
        if spec.memory_bytes:
            options += ["--memory-bytes", str(spec.memory_bytes)]
        if "--data-root" in args:
            at = args.index("--data-root") + 1
            name = self._inside_data_dir(spec.folder / args[at])
            if self.shared is not None:
                args[at] = str(PurePosixPath(self.shared) / name)
            elif name.parts[:1] == ("uploads",):
                root = "/".join(name.parts[1:])
                raise GraphError(
                    [
                        Issue(
                            f"dataset root {root!r} is uploaded images, kept on this server only: "
                            "the Ray cluster cannot read them",
                            param="training.dataset.root",
                            fix="the server's admin sets TORCHCANVAS_RAY_SHARED_DATA_DIR to where the cluster's "
                            "machines see the data directory (shared storage)",
                        )
                    ]
                )
            else:
                options += ["--node-data", name.as_posix()]
        out = args[args.index("--out") + 1] if "--out" in args else "runs"
        if self.shared is not None:
            absolute = str(PurePosixPath(self.shared) / self._inside_data_dir(spec.folder) / out)
            if "--out" in args:
                args[args.index("--out") + 1] = absolute
            else:
                args += ["--out", absolute]
        else:
            options += ["--return-outputs", out]
        return options, args

    def _inside_data_dir(self, path: Path) -> PurePosixPath:
        try:
            return PurePosixPath(path.resolve().relative_to(self.data_dir).as_posix())
        except ValueError:  # the worker resolves every path inside it: a bug, not a user's error
            raise RuntimeError(f"{path} is outside the data directory") from None

    def gpus_for(self, spec: LaunchSpec) -> int:
        """1 for a cuda run, and for an auto run when the cluster has a GPU; else 0."""
        if spec.device == "cpu":
            return 0
        has_gpu = self.cluster_gpus() > 0
        if spec.device == "cuda" and not has_gpu:
            raise GraphError(
                [
                    Issue(
                        "the run asks for a CUDA device, and the Ray cluster has no GPU",
                        param="training.device",
                        fix="choose device 'auto' or 'cpu', or add a node with a GPU to the cluster",
                    )
                ]
            )
        return 1 if has_gpu else 0

    def cluster_gpus(self) -> float:
        """The GPUs of the cluster's live nodes (read at most every 30 s: nodes come and go)."""
        now = time.monotonic()
        if self._gpus is not None and now - self._gpus[0] < GPU_CACHE_S:
            return self._gpus[1]
        from ray.util.state import list_nodes

        nodes = list_nodes(address=self.client().get_address(), detail=True, raise_on_missing_output=False)
        gpus = float(sum((n.resources_total or {}).get("GPU", 0) for n in nodes if n.state == "ALIVE"))
        self._gpus = (now, gpus)
        return gpus
