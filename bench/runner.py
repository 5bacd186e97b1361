"""Runner figures: its overhead over a plain ``python train.py`` of the same generated project,
and the time from POST /runs to the first metric event on the SSE stream, through a separate
worker process.

Run: .venv/bin/python bench/runner.py [--epochs 200] [--repeat 3]. Prints figures; asserts nothing.
Both sides run the same command line and environment (the runner's), one torch thread each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from torchcanvas.api import create_app
from torchcanvas.db import make_engine, make_sessionmaker, upgrade
from torchcanvas.graph.model import Graph
from torchcanvas.runner import Runner
from torchcanvas.runner.executor import run_env
from torchcanvas.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def overhead(graph: Graph, repeat: int, warm: bool) -> None:
    """Wall time through the runner over plain ``python train.py``. Cold: the worker starts a
    fresh interpreter per run, so the ratio is its own overhead. Warm (the default): it hands the
    run to a launcher that imported torch while the worker was idle."""
    work = Path(tempfile.mkdtemp(prefix="tc-bench-"))
    settings = Settings(data_dir=work, run_torch_threads=1, run_warm_start=warm)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    runner = Runner(make_sessionmaker(engine), settings)  # with its embedded worker
    runner.start()
    plain_s, runner_s = [], []
    try:
        for i in range(repeat):
            if warm:
                time.sleep(WARM_UP_S)  # the app idle between runs, as when a user presses Train
            t = time.perf_counter()
            run_id = runner.submit(graph)
            status = runner.wait(run_id)
            runner_s.append(time.perf_counter() - t)
            assert status == "succeeded", status
            # The same project, command and environment, without the runner.
            folder = runner.run_dir(run_id)
            cmd = [sys.executable, *runner.command(run_id, graph.training.model_dump())[1:]]
            cmd[cmd.index("--out") + 1] = str(work / f"plain{i}")
            t = time.perf_counter()
            subprocess.run(cmd, cwd=folder, env={**os.environ, **run_env(settings)}, check=True, capture_output=True)
            plain_s.append(time.perf_counter() - t)
    finally:
        runner.stop()
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)
    p, r = statistics.median(plain_s), statistics.median(runner_s)
    print(
        f"{graph.name}, {graph.training.epochs} epochs: plain python train.py {p:.2f} s, through the "
        f"{'warm' if warm else 'cold'} runner {r:.2f} s (submit to finished, events stored); "
        f"ratio {r / p:.3f} (median of {repeat})"
    )


WARM_UP_S = 10


def first_metric(graph: Graph, repeat: int) -> None:
    """POST /runs on the API to the first metric on its SSE stream, the run executed by a
    separate ``torchcanvas worker`` process (as ``serve`` deploys it), on SQLite: the worker finds
    the run by polling, and the stream its events by polling too."""
    work = Path(tempfile.mkdtemp(prefix="tc-bench-"))
    env = {**os.environ, "TORCHCANVAS_DATA_DIR": str(work), "TORCHCANVAS_RUN_TORCH_THREADS": "1"}
    env.pop("TORCHCANVAS_DATABASE_URL", None)
    settings = Settings(data_dir=work, run_torch_threads=1, embedded_worker=False)
    firsts, epochs = [], []
    worker = None
    try:
        with TestClient(create_app(settings)) as client:  # migrates the database first
            worker = subprocess.Popen([sys.executable, "-m", "torchcanvas.worker"], env=env, stderr=subprocess.DEVNULL)
            for _ in range(repeat):
                # A user presses Train on an idle app: the worker has had time to warm its
                # launcher (runner/launcher.py) since start-up or since the last run.
                time.sleep(WARM_UP_S)
                t = time.perf_counter()
                run = client.post("/api/v1/runs", json={"graph": graph.model_dump(mode="json")}).json()
                first = first_epoch = None
                with client.stream("GET", f"/api/v1/runs/{run['id']}/events") as stream:
                    for line in stream.iter_lines():
                        if not line.startswith("data: "):
                            continue
                        event = json.loads(line[6:])
                        kind = event["type"]
                        if kind == "finished" and event.get("status") != "succeeded":
                            raise SystemExit(f"run {run['id']} {event.get('status')}: {event.get('error')}")
                        if kind in ("progress", "epoch") and first is None:
                            first = time.perf_counter() - t
                        if kind == "epoch" and first_epoch is None:
                            first_epoch = time.perf_counter() - t
                firsts.append(first)
                epochs.append(first_epoch)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"POST /runs to the first metric event on the SSE stream ({graph.name}, a separate worker process): "
        f"median {statistics.median(firsts):.2f} s (runs: {', '.join(f'{x:.2f}' for x in firsts)}); "
        f"to the first epoch event {statistics.median(epochs):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    mlp = Graph.model_validate_json((ROOT / "examples" / "seed_mlp_weight_decay.json").read_text())
    mlp.training.epochs = args.epochs
    overhead(mlp, args.repeat, warm=False)
    overhead(mlp, args.repeat, warm=True)
    lenet = Graph.model_validate_json((ROOT / "examples" / "seed_lenet_bn.json").read_text())
    lenet.training.epochs = 2
    first_metric(lenet, args.repeat)


if __name__ == "__main__":
    main()
