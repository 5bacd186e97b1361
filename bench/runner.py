"""Runner figures: the generated train.py's training loop against a minimal hand-written loop
doing the same steps, each lesson's experiment from the click to its last run's end, the runner's
overhead over a plain ``python train.py`` of the same generated project, and the time from
POST /runs to the first metric event on the SSE stream, through a separate worker process.

Run: .venv/bin/python bench/runner.py [--epochs 200] [--repeat 3] [--only loop,lessons,...].
Prints figures; asserts nothing. Goals (issue 10): the seed MLP's 2,000 epochs in train.py cost at
most 3x the minimal loop, and every lesson finishes in at most 20 s.
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


# The minimal loop: the same model, data, optimizer and steps as the generated train.py of the
# seed's MLP (shuffled mini-batches of --batch-size, zero_grad / forward / loss / backward / step),
# evaluated once at the end; no logging, no events, no checkpoint.
MINIMAL = """
import sys, time, torch
from model import {cls}
epochs = int(sys.argv[1])
torch.manual_seed(0)
x = torch.linspace(-1, 1, 10).unsqueeze(1)
y = 1.5 * x + torch.normal(0, 0.5, size=x.size())
model = {cls}()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=0.01)
criterion = torch.nn.MSELoss()
t0 = time.time()
for epoch in range(epochs):
    model.train()
    order = torch.randperm(len(y))
    for i in range(0, len(y), 10):
        batch = order[i : i + 10]
        optimizer.zero_grad()
        loss = criterion(model(x[batch]), y[batch])
        loss.backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    criterion(model(x), y).item()
print(time.time() - t0)  # the loop's wall time
"""


def loop_cost(graph: Graph, repeat: int) -> None:
    """Wall time of the training loop alone, measured inside each process so that imports (tens
    of seconds on a busy machine) do not blur it: train.py's epoch lines hold each line's seconds
    per epoch since the previous line (the loop's start for the first), the minimal loop prints
    its own time."""
    from torchcanvas.codegen import generate, model_class_name

    work = Path(tempfile.mkdtemp(prefix="tc-bench-loop-"))
    epochs = graph.training.epochs
    try:
        for name, text in generate(graph).items():
            (work / name).write_text(text)
        (work / "minimal.py").write_text(MINIMAL.format(cls=model_class_name(graph)))
        env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}

        def run(cmd: list[str]) -> tuple[float, str]:
            t = time.perf_counter()
            out = subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True, text=True).stdout
            return time.perf_counter() - t, out

        def train_loop() -> tuple[float, float, int]:
            took, out = run([sys.executable, "train.py", "--progress", "--device", "cpu", "--out", "runs"])
            lines = [json.loads(x) for x in out.splitlines() if x.startswith('{"event": "epoch"')]
            loop, previous = 0.0, 0
            for line in lines:
                loop += line["seconds"] * (line["epoch"] - previous)
                previous = line["epoch"]
            return took, loop, len(lines)

        def minimal_loop() -> tuple[float, float]:
            took, out = run([sys.executable, "minimal.py", str(epochs)])
            return took, float(out.split()[-1])

        trains = [train_loop() for _ in range(repeat)]
        minimals = [minimal_loop() for _ in range(repeat)]
        t_loop = statistics.median(x[1] for x in trains)
        m_loop = statistics.median(x[1] for x in minimals)
        print(
            f"{graph.name}, {epochs} epochs: generated train.py's loop {t_loop:.2f} s "
            f"({', '.join(f'{x[1]:.2f}' for x in trains)}), a minimal loop's {m_loop:.2f} s "
            f"({', '.join(f'{x[1]:.2f}' for x in minimals)}): ratio {t_loop / max(m_loop, 1e-9):.2f} (goal <= 3); "
            f"whole processes {statistics.median(x[0] for x in trains):.2f} s vs {statistics.median(x[0] for x in minimals):.2f} s; "
            f"{trains[0][2]} epoch lines (median of {repeat})"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def lesson_times() -> None:
    """Each lesson's one-click experiment through the app, as a user runs it: POST
    /lab/lessons/{id}/run, then until its last run has finished (server defaults: one run at a time)."""
    from torchcanvas.lab import LESSONS

    work = Path(tempfile.mkdtemp(prefix="tc-bench-lab-"))
    try:
        with TestClient(create_app(Settings(data_dir=work))) as client:
            r = client.post("/api/v1/auth/signup", json={"username": "bench", "password": "correct horse battery"})
            client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            time.sleep(WARM_UP_S)  # the runner warms its launcher while the app is idle
            for lesson in LESSONS:
                if lesson.experiment is None:
                    continue
                t = time.perf_counter()
                r = client.post(f"/api/v1/lab/lessons/{lesson.id}/run", json={})
                assert r.status_code == 201, r.text
                ids = r.json()["run_ids"]
                statuses = []
                for run_id in ids:
                    while (run := client.get(f"/api/v1/runs/{run_id}").json())["status"] in ("queued", "running"):
                        time.sleep(0.1)
                    statuses.append(run["status"])
                took = time.perf_counter() - t
                print(f"lesson {lesson.id!r}: {len(ids)} runs in {took:.1f} s (goal <= 20 s); {', '.join(statuses)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only", default="loop,lessons,overhead,first", help="comma-separated: loop, lessons, overhead, first"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    mlp = Graph.model_validate_json((ROOT / "examples" / "seed_mlp_weight_decay.json").read_text())
    if "loop" in only:
        loop_cost(mlp, args.repeat)  # the seed's 2,000 epochs
    if "lessons" in only:
        lesson_times()
    mlp.training.epochs = args.epochs
    if "overhead" in only:
        overhead(mlp, args.repeat, warm=False)
        overhead(mlp, args.repeat, warm=True)
    if "first" in only:
        lenet = Graph.model_validate_json((ROOT / "examples" / "seed_lenet_bn.json").read_text())
        lenet.training.epochs = 2
        first_metric(lenet, args.repeat)


if __name__ == "__main__":
    main()
