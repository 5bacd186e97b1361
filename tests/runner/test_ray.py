"""Runs on a Ray cluster (runner/ray_executor.py), against a real local Ray head.

One head for the module (it takes 10-30 s to start; tests/runner/ray_head.py). The first tests
need no head: the paths a job gets, and the outputs carried back through the log.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.api_support import make_settings
from tests.runner.ray_head import local_head
from tests.scale.support import FINISHED, Proc, Server, account, base_env, events, wait_status
from torchcanvas.codegen import generate
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.runner import ray_executor
from torchcanvas.runner import torchcanvas_job as job
from torchcanvas.runner.data import relative_to_run, resolve_root
from torchcanvas.runner.executor import LaunchSpec, make_executor
from torchcanvas.runner.ray_executor import RayExecution, RayExecutor, RayUnavailable
from torchcanvas.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HAVE_RAY = importlib.util.find_spec("ray") is not None


def project(settings: Settings, run_id: int, *, epochs: int, example: str = "seed_mlp_weight_decay") -> LaunchSpec:
    """A run's folder with its generated files, and the spec a worker would launch it with."""
    graph = Graph.model_validate_json((ROOT / "examples" / f"{example}.json").read_text())
    folder = settings.runs_dir / str(run_id)
    folder.mkdir(parents=True)
    for name, text in generate(graph).items():
        (folder / name).write_text(text)
    dataset = graph.training.dataset
    data = resolve_root(settings.data_dir, dataset.type, dataset.params)
    args = ["--epochs", str(epochs), "--batch-size", "10", "--lr", "0.01", "--seed", "0"]
    args += ["--data-root", relative_to_run(data, folder), "--out", "runs", "--progress"]
    return LaunchSpec(run_id=run_id, folder=folder, args=args, env={"OMP_NUM_THREADS": "1"}, device="cpu")


# --- without a cluster: the job's paths --------------------------------------------------------


class NoClient:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"no cluster call expected, got {name}")


def test_without_shared_storage_data_sets_go_to_the_node_cache_and_outputs_come_back(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    spec = project(settings, 1, epochs=1)
    options, args = RayExecutor(settings, client=NoClient()).job_args(spec)
    assert args == spec.args  # what train.py gets is unchanged: the wrapper rewrites on the node
    assert options[options.index("--node-data") + 1] == "datasets/data"
    assert options[options.index("--return-outputs") + 1] == "runs"


def test_with_shared_storage_paths_point_into_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, ray_shared_data_dir="/mnt/torchcanvas")
    spec = project(settings, 7, epochs=1)
    options, args = RayExecutor(settings, client=NoClient()).job_args(spec)
    assert args[args.index("--data-root") + 1] == "/mnt/torchcanvas/datasets/data"
    assert args[args.index("--out") + 1] == "/mnt/torchcanvas/runs/7/runs"
    assert "--return-outputs" not in options and "--node-data" not in options


def test_uploaded_images_without_shared_storage_are_refused_clearly(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    (settings.uploads_dir / "faces").mkdir(parents=True)
    spec = project(settings, 2, epochs=1)
    args = list(spec.args)
    args[args.index("--data-root") + 1] = relative_to_run(settings.uploads_dir / "faces", spec.folder)
    with pytest.raises(GraphError) as caught:
        RayExecutor(settings, client=NoClient()).job_args(LaunchSpec(2, spec.folder, args, device="cpu"))
    (issue,) = caught.value.issues
    assert issue.param == "training.dataset.root" and "'faces'" in issue.message
    assert issue.fix is not None and "TORCHCANVAS_RAY_SHARED_DATA_DIR" in issue.fix


def test_a_cuda_run_on_a_cluster_without_gpu_is_refused_clearly(tmp_path: Path) -> None:
    executor = RayExecutor(make_settings(tmp_path), client=NoClient())
    executor._gpus = (time.monotonic(), 0.0)  # as read from the cluster
    spec = LaunchSpec(1, tmp_path, [], device="cuda")
    with pytest.raises(GraphError) as caught:
        executor.gpus_for(spec)
    assert caught.value.issues[0].param == "training.device"
    assert executor.gpus_for(LaunchSpec(1, tmp_path, [], device="auto")) == 0
    executor._gpus = (time.monotonic(), 2.0)
    assert executor.gpus_for(LaunchSpec(1, tmp_path, [], device="auto")) == 1
    assert executor.gpus_for(LaunchSpec(1, tmp_path, [], device="cpu")) == 0


# --- without a cluster: the outputs carried by the log -----------------------------------------


class Status:
    def __init__(self, value: str) -> None:
        self.value = value

    def is_terminal(self) -> bool:
        return self.value in {"SUCCEEDED", "FAILED", "STOPPED"}


class Info:
    def __init__(self, status: str, exit_code: int | None, message: str = "") -> None:
        self.status = Status(status)
        self.driver_exit_code = exit_code
        self.message = message


class LogClient:
    """A job that has ended with ``log``; its tail breaks off after ``tail_chars`` characters."""

    def __init__(self, log: str, tail_chars: int, info: Info) -> None:
        self.log, self.tail_chars, self.info = log, tail_chars, info
        self.deleted: list[str] = []

    async def tail_job_logs(self, _sid: str) -> Any:
        for start in range(0, self.tail_chars, 1000):
            yield self.log[start : min(start + 1000, self.tail_chars)]
        raise RuntimeError("WebSocket connection closed unexpectedly")

    def get_job_logs(self, _sid: str) -> str:
        return self.log

    def get_job_info(self, _sid: str) -> Info:
        return self.info

    def delete_job(self, sid: str) -> bool:
        self.deleted.append(sid)
        return True


def wrapper_log(outputs: Path) -> str:
    """What the wrapper prints after train.py: its outputs, then the last line."""
    out = io.StringIO()
    packed = job.pack(outputs, 1 << 20)
    assert isinstance(packed, bytes)
    real, sys.stdout = sys.stdout, out
    try:
        job.send(packed)
    finally:
        sys.stdout = real
    return out.getvalue() + f"{job.END}0\n"


def _outputs(folder: Path) -> Path:
    runs = folder / "runs"
    (runs / "tb").mkdir(parents=True)
    (runs / "checkpoint.pt").write_bytes(os.urandom(200_000))  # several chunks, incompressible
    (runs / "tb" / "events.out").write_bytes(b"scalars")
    return runs


@pytest.mark.parametrize("tail_chars", [10**9, 3_000], ids=["whole tail", "tail broke off"])
def test_outputs_come_back_through_the_log(tmp_path: Path, tail_chars: int) -> None:
    sent = _outputs(tmp_path / "node")
    log = '{"event": "epoch", "epoch": 1}\nhello\n' + wrapper_log(sent)
    client = LogClient(log, min(tail_chars, len(log)), Info("SUCCEEDED", 0))
    run = tmp_path / "run"
    run.mkdir()
    execution = RayExecution(client, "tc-run-1-x", run, max_output_bytes=1 << 20, shared=False)
    lines = list(execution.lines())
    assert lines == [b'{"event": "epoch", "epoch": 1}\n', b"hello\n"]  # the outputs are not log lines
    assert execution.wait() == 0
    execution.collect()
    assert (run / "runs" / "checkpoint.pt").read_bytes() == (sent / "checkpoint.pt").read_bytes()
    assert (run / "runs" / "tb" / "events.out").read_bytes() == b"scalars"
    assert client.deleted == ["tc-run-1-x"]


def test_damaged_outputs_are_not_unpacked(tmp_path: Path) -> None:
    data = b"not a tar"
    log = f"{job.OUTPUTS}{base64.b64encode(data).decode()}\n{job.OUTPUTS_END}{hashlib.sha256(b'x').hexdigest()} 9\n"
    run = tmp_path / "run"
    run.mkdir()
    execution = RayExecution(
        LogClient(log, len(log), Info("SUCCEEDED", 0)), "s", run, max_output_bytes=1 << 20, shared=False
    )
    assert list(execution.lines()) == []
    execution.collect()
    assert list(run.iterdir()) == []


def test_outputs_outside_runs_are_not_unpacked(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("model.py")  # would replace the run's own source
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    data = buffer.getvalue()
    log = f"{job.OUTPUTS}{base64.b64encode(data).decode()}\n{job.OUTPUTS_END}{hashlib.sha256(data).hexdigest()} {len(data)}\n"
    run = tmp_path / "run"
    run.mkdir()
    execution = RayExecution(
        LogClient(log, len(log), Info("SUCCEEDED", 0)), "s", run, max_output_bytes=1 << 20, shared=False
    )
    list(execution.lines())
    execution.collect()
    assert not (run / "model.py").exists()


def test_a_job_that_failed_before_its_script_says_why(tmp_path: Path) -> None:
    client = LogClient("", 0, Info("FAILED", None, "runtime env setup failed: no space"))
    execution = RayExecution(client, "tc-run-3-x", tmp_path, max_output_bytes=1, shared=False)
    assert [line.decode() for line in execution.lines()] == [
        "ray: job tc-run-3-x failed: runtime env setup failed: no space\n"
    ]
    assert execution.wait() is None


def test_the_wrapper_keeps_the_exit_code_and_sends_the_outputs(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "import os, sys\nos.makedirs('runs', exist_ok=True)\nopen('runs/checkpoint.pt', 'w').write(sys.argv[1])\n"
        "print('trained')\nraise SystemExit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "torchcanvas_job", "--return-outputs", "runs", "--", "weights"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(job.__file__).parent.parent)},  # as Ray ships it
    )
    assert done.returncode == 3
    lines = done.stdout.splitlines()
    assert lines[0] == "trained" and lines[-1] == f"{job.END}3"
    chunks = b"".join(base64.b64decode(x[len(job.OUTPUTS) :]) for x in lines if x.startswith(job.OUTPUTS))
    with tarfile.open(fileobj=io.BytesIO(chunks), mode="r:gz") as tar:
        member = tar.extractfile("runs/checkpoint.pt")
        assert member is not None and member.read() == b"weights"


# --- a real local Ray head ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_head() -> Iterator[str]:
    """A Ray head of 2 CPUs on loopback (tests/runner/ray_head.py); its job API's address."""
    if not HAVE_RAY:
        pytest.skip("Ray is not installed: pip install -e '.[cluster]' (make test installs it)")
    with local_head(num_cpus=2) as address:
        yield address


def ray_settings(tmp_path: Path, address: str) -> Settings:
    return make_settings(tmp_path, ray_address=address, run_torch_threads=1, ray_job_prefix=f"t{os.getpid()}")


def _status(executor: RayExecutor, sid: str) -> str:
    return str(executor.client().get_job_status(sid).value)


def _until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.25)


@pytest.mark.slow
@pytest.mark.xdist_group("ray-head")  # one head: make test runs pytest with --dist loadgroup
def test_one_run_end_to_end(ray_head: str, tmp_path: Path) -> None:
    executor = RayExecutor(ray_settings(tmp_path, ray_head))
    spec = project(make_settings(tmp_path), 1, epochs=3)  # the executor's data directory
    execution = executor.launch(spec)
    lines = [line.decode() for line in execution.lines()]
    epochs = [json.loads(x) for x in lines if x.startswith('{"event": "epoch"')]
    assert [e["epoch"] for e in epochs] == [1, 2, 3], "".join(lines)[-3000:]
    assert not any(x.startswith("@torchcanvas") for x in lines)
    assert execution.wait() == 0
    execution.collect()
    assert (spec.folder / "runs" / "checkpoint.pt").stat().st_size > 0
    assert list((spec.folder / "runs").rglob("events.out.tfevents.*"))
    # The job's working directory was a copy: nothing but the outputs came back into the folder.
    assert sorted(p.name for p in spec.folder.iterdir()) == sorted([*generate_names(), "runs"])


def generate_names() -> list[str]:
    graph = Graph.model_validate_json((ROOT / "examples" / "seed_mlp_weight_decay.json").read_text())
    return list(generate(graph))


@pytest.mark.slow
@pytest.mark.xdist_group("ray-head")  # one head: make test runs pytest with --dist loadgroup
def test_cancel_stops_the_job(ray_head: str, tmp_path: Path) -> None:
    executor = RayExecutor(ray_settings(tmp_path, ray_head))
    spec = project(make_settings(tmp_path), 2, epochs=1_000_000)
    execution = executor.launch(spec)
    lines = execution.lines()
    for line in lines:  # Ray's own lines first, then train.py's: it is running
        if line.startswith(b"Running entrypoint"):
            next(lines)
            break
    started = time.monotonic()
    execution.kill()
    execution.kill()  # idempotent
    rest = b"".join(lines)  # ends: the job has stopped
    assert time.monotonic() - started < 120, rest[-2000:]  # a bound, not a speed: the job would run for hours
    assert _status(executor, execution.submission_id) == "STOPPED"
    assert execution.wait() != 0


@pytest.mark.slow
@pytest.mark.xdist_group("ray-head")  # one head: make test runs pytest with --dist loadgroup
def test_the_reaper_stops_the_job_of_a_dead_worker(ray_head: str, tmp_path: Path) -> None:
    settings = ray_settings(tmp_path, ray_head)
    spec = project(make_settings(tmp_path), 3, epochs=1_000_000)
    # A worker process launches the run, and is killed with SIGKILL: nothing of it stops the job.
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            DEAD_WORKER,
            json.dumps(settings.model_dump(mode="json", include=SHARED)),
            str(spec.folder),
            json.dumps(spec.args),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )
    assert worker.stdout is not None
    sid = worker.stdout.readline().strip()
    assert sid.startswith(f"{settings.ray_job_prefix}-run-3-"), sid
    worker.kill()
    worker.wait(30)
    reaper = RayExecutor(settings)
    _until(lambda: _status(reaper, sid) == "RUNNING", 240, "the orphan job did not run")
    assert reaper.stop_orphan(4) == 0  # another run's jobs are left alone
    assert reaper.stop_orphan(3) == 1
    _until(lambda: _status(reaper, sid) == "STOPPED", 120, "the orphan job was not stopped")
    assert reaper.stop_orphan(3) == 0


SHARED = {"data_dir", "ray_address", "ray_job_prefix"}  # what the dead worker shares with the reaper
DEAD_WORKER = """
import json, sys, time
from pathlib import Path
from torchcanvas.runner.executor import LaunchSpec
from torchcanvas.runner.ray_executor import RayExecutor
from tests.runner.ray_head import local_head
from tests.scale.support import FINISHED, Proc, Server, account, base_env, events, wait_status
from torchcanvas.settings import Settings

settings = Settings(**json.loads(sys.argv[1]))
spec = LaunchSpec(run_id=3, folder=Path(sys.argv[2]), args=json.loads(sys.argv[3]), device="cpu")
print(RayExecutor(settings).launch(spec).submission_id, flush=True)
time.sleep(600)
"""


def test_the_wrapper_points_the_data_root_into_the_node_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCHCANVAS_NODE_DATA", str(tmp_path / "cache"))
    args = job.with_data_root(
        ["--epochs", "1", "--data-root", "../../datasets/mnist", "--out", "runs"], "datasets/mnist"
    )
    assert args == ["--epochs", "1", "--data-root", str(tmp_path / "cache" / "datasets" / "mnist"), "--out", "runs"]
    assert (tmp_path / "cache" / "datasets").is_dir()  # a download may create mnist/ in it


@pytest.mark.slow
@pytest.mark.xdist_group("ray-head")  # one head: make test runs pytest with --dist loadgroup
def test_a_lesson_through_a_worker_on_ray(ray_head: str, tmp_path: Path) -> None:
    """The deployment: `torchcanvas serve --no-worker` and a `torchcanvas worker` with
    TORCHCANVAS_RUNNER=ray; the weight-decay lesson's two runs are Ray jobs, side by side."""
    data = tmp_path / "data"
    env = base_env(data, None, TORCHCANVAS_RUNNER="ray", RAY_ADDRESS=ray_head, TORCHCANVAS_RAY_JOB_PREFIX="lesson")
    server = Server("api", env, data, "--workers", "1", "--no-worker")
    worker = Proc("worker", ["worker", "--concurrency", "2"], env, data)
    try:
        client = server.wait_ready()
        account(client)
        made = client.post("/lab/lessons/weight-decay/run", json={"epochs": 3})
        assert made.status_code == 201, made.text
        runs = made.json()["runs"]
        assert len(runs) == 2
        for run in runs:
            done = wait_status(client, run["id"], FINISHED, timeout=600)  # a busy 2-core machine
            assert done["status"] == "succeeded", (done, worker.log_tail())
            seen = events(client, run["id"])
            started = next(e for e in seen if e["type"] == "started")
            assert started["pid"] is None  # on the cluster, not a process of the worker's machine
            assert [e["epoch"] for e in seen if e["type"] == "epoch"] == [1, 2, 3]
            assert seen[-1]["type"] == "finished" and seen[-1]["status"] == "succeeded"
            checkpoint = client.get(f"/runs/{run['id']}/checkpoint")
            assert checkpoint.status_code == 200 and len(checkpoint.content) > 1000  # back from the node
            assert "Running entrypoint for job lesson-run-" in (data / "runs" / str(run["id"]) / "log.txt").read_text()
    finally:
        worker.stop()
        server.stop()


def test_the_runner_setting_selects_ray_and_asks_for_an_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(RayUnavailable, match="RAY_ADDRESS"):
        make_executor(make_settings(tmp_path, runner="ray"))
    executor = make_executor(make_settings(tmp_path, runner="ray", ray_address="http://127.0.0.1:9"))
    assert isinstance(executor, RayExecutor)


def test_warm_up_asks_a_silent_cluster_again_only_a_minute_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries = []

    def refuse(address: str) -> Any:
        tries.append(address)
        raise ConnectionError("refused")

    monkeypatch.setattr(ray_executor, "_job_client", refuse)
    executor = RayExecutor(make_settings(tmp_path, ray_address="http://127.0.0.1:9"))
    executor.warm_up()
    executor.warm_up()  # the worker's next idle poll
    assert tries == ["http://127.0.0.1:9"]
    executor._retry_at = 0.0  # a minute later
    executor.warm_up()
    assert len(tries) == 2
