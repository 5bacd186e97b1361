"""Segmentation and detection figures (issue 13): each template's generated train.py, run as a user
would (``python train.py --progress``), with its held-out metric per epoch, the seed and the time.

Run: .venv/bin/python bench/tasks.py [--task segmentation|detection|both] [--seed 0] [--epochs N]
     [--minutes 10] [--template NAME] [--detector FCOS|FasterRCNN]

- segmentation: examples/unet_shapes.json (``--template fcn_shapes`` for the FCN) on the Shapes
  set, mean IoU on the held-out split. Goal: >= 0.7.
- detection: examples/detect_shapes_fcos.json on ShapesDetection, mAP@0.5 on the held-out split
  (``--detector FasterRCNN`` swaps the heads). Goal: >= 0.5.
Each within 10 minutes of CPU on the development machine (2 cores): every epoch line shows the wall
time and the run's CPU time, and a run stops once it has used ``--minutes`` of all the machine's
cores (on a shared machine the wall clock also counts other people's work; the CPU time does not).
Runs get one torch thread, as the app's runner gives a small model. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from torchcanvas.codegen import generate  # noqa: E402  (after the path insert)
from torchcanvas.graph.model import Graph  # noqa: E402

CORES = os.cpu_count() or 1


@dataclass(frozen=True)
class Task:
    template: str
    metric: str  # the epoch event's key
    label: str
    goal: float
    shown: tuple[tuple[str, str], ...]  # the other epoch figures printed: (key, label)


TASKS = {
    "segmentation": Task("unet_shapes", "test_miou", "mIoU", 0.7, (("test_acc", "pixel acc"),)),
    "detection": Task("detect_shapes_fcos", "map50", "mAP@0.5", 0.5, (("map", "mAP@[.5:.95]"),)),
}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(task: Task, template: str, seed: int, epochs: int | None, minutes: float, loss_params: dict[str, Any]) -> None:
    graph = Graph.model_validate_json((ROOT / "examples" / f"{template}.json").read_text())
    graph.training.loss.params.update(loss_params)
    epochs = epochs or graph.training.epochs
    t, ds = graph.training, graph.training.dataset
    print(
        f"{template}: {ds.type} {json.dumps(ds.params)}, {t.loss.type} {json.dumps(t.loss.params)}, "
        f"{t.optimizer.type} lr {t.lr}, batch {t.batch_size}, {epochs} epochs, seed {seed}, "
        f"{CORES} CPUs, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="torchcanvas-tasks-") as tmp:
        for name, text in generate(graph).items():
            (Path(tmp) / name).write_text(text)
        cmd = [sys.executable, "train.py", "--epochs", str(epochs), "--seed", str(seed), "--device", "cpu", "--progress"]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        start = time.perf_counter()
        with open(Path(tmp) / "stderr.txt", "w") as err:  # tqdm's bar: shown only if the run fails
            proc = subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
            assert proc.stdout is not None
            best, reached, cpu = 0.0, None, 0.0
            try:
                for line in proc.stdout:
                    if not line.startswith('{"event": "epoch"'):
                        continue
                    e = json.loads(line)
                    wall, cpu = time.perf_counter() - start, _cpu_seconds(proc.pid)
                    best = max(best, e[task.metric])
                    if reached is None and e[task.metric] >= task.goal:
                        reached = (e["epoch"], wall, cpu)
                    others = "".join(f"  {label} {e[key]:.4f}" for key, label in task.shown)
                    print(
                        f"  epoch {e['epoch']:3d}  wall {wall:6.1f} s  CPU {cpu:6.1f} s  loss {e['train_loss']:.4f}"
                        f"  {task.label} {e[task.metric]:.4f}{others}",
                        flush=True,
                    )
                    if cpu > minutes * 60 * CORES:
                        print(f"  stopped: past {minutes:g} minutes of {CORES} cores")
                        proc.kill()
                        break
            finally:
                proc.wait()
        if proc.returncode not in (0, -9):
            print((Path(tmp) / "stderr.txt").read_text()[-3000:])
    verdict = (
        f"{task.label} >= {task.goal} at epoch {reached[0]}: wall {reached[1]:.0f} s, CPU {reached[2]:.0f} s "
        f"({reached[2] / CORES / 60:.1f} min of {CORES} cores): goal met"
        if reached and reached[2] <= minutes * 60 * CORES
        else f"{task.label} {task.goal} not reached: goal NOT met"
    )
    print(f"  best {task.label} {best:.4f}; {verdict}; whole run {time.perf_counter() - start:.0f} s wall\n", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=[*TASKS, "both"], default="both")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=None, help="the template's own epochs when left out")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--template", default=None, help="another example on the same task (fcn_shapes)")
    ap.add_argument("--detector", choices=["FCOS", "FasterRCNN"], default=None)
    args = ap.parse_args()
    for name in TASKS if args.task == "both" else [args.task]:
        task = TASKS[name]
        loss = {"detector": args.detector} if name == "detection" and args.detector else {}
        run(task, args.template or task.template, args.seed, args.epochs, args.minutes, loss)


if __name__ == "__main__":
    main()
