"""Ray executor figures: what a run costs as a Ray job, beside the local executor's warm launcher.

Starts a local Ray head (2 CPUs, tests/runner/ray_head.py), then runs the weight-decay lesson's
model for a few epochs through each executor, one run at a time, and prints per run: launch
(submission; for Ray, packing and uploading the folder), the first epoch line after launch, the
end of the script's lines, and collect() (for Ray, unpacking the outputs sent back through the
log). Both executors give the run one torch thread.

Run: .venv/bin/python bench/cluster.py (not ray.py: it would shadow the ray package) [--epochs 3] [--repeat 3]. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.runner.ray_head import local_head
from torchcanvas.codegen import generate
from torchcanvas.graph.model import Graph
from torchcanvas.runner.data import relative_to_run, resolve_root
from torchcanvas.runner.executor import Executor, LaunchSpec, LocalExecutor, run_env
from torchcanvas.runner.ray_executor import RayExecutor
from torchcanvas.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def spec(settings: Settings, run_id: int, epochs: int) -> LaunchSpec:
    graph = Graph.model_validate_json((ROOT / "examples" / "seed_mlp_weight_decay.json").read_text())
    folder = settings.runs_dir / str(run_id)
    folder.mkdir(parents=True)
    for name, text in generate(graph).items():
        (folder / name).write_text(text)
    data = resolve_root(settings.data_dir, graph.training.dataset.type, graph.training.dataset.params)
    args = ["--epochs", str(epochs), "--batch-size", "10", "--lr", "0.01", "--seed", "0"]
    args += ["--data-root", relative_to_run(data, folder), "--out", "runs", "--progress"]
    return LaunchSpec(run_id=run_id, folder=folder, args=args, device="cpu")


def one(executor: Executor, s: LaunchSpec) -> dict[str, float]:
    t0 = time.perf_counter()
    execution = executor.launch(s)
    launched = time.perf_counter()
    first = None
    for line in execution.lines():
        if first is None and line.startswith(b'{"event": "epoch"'):
            first = time.perf_counter()
    ended = time.perf_counter()
    code = execution.wait()
    execution.collect()
    collected = time.perf_counter()
    assert code == 0 and (s.folder / "runs" / "checkpoint.pt").is_file(), f"run {s.run_id} failed ({code})"
    return {
        "launch": launched - t0,
        "first epoch": (first or ended) - t0,
        "lines end": ended - t0,
        "collect": collected - ended,
    }


def report(name: str, rows: list[dict[str, float]]) -> None:
    cells = "  ".join(f"{k} {statistics.median(r[k] for r in rows):6.2f} s" for k in rows[0])
    print(f"{name:>6}: {cells}   (median of {len(rows)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="tc-bench-ray-"))
    try:
        settings = Settings(data_dir=temp / "data", run_torch_threads=1)
        local = LocalExecutor(settings.runs_dir, env=run_env(settings))
        rows = []
        for i in range(options.repeat):
            local.warm_up()
            time.sleep(15)  # the launcher's imports, done while nobody waits (as a worker does when idle)
            rows.append(one(local, spec(settings, 100 + i, options.epochs)))
        local.close()
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {options.epochs} epochs per run")
        report("local", rows)
        started = time.perf_counter()
        with local_head(num_cpus=2) as address:
            print(f"Ray head up in {time.perf_counter() - started:.1f} s")
            ray = RayExecutor(settings.model_copy(update={"ray_address": address}))
            ray.warm_up()
            rows = [one(ray, spec(settings, 200 + i, options.epochs)) for i in range(options.repeat)]
        report("ray", rows)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
