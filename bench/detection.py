"""The FCOS detection template on the shapes set: mAP@0.5 per epoch, with its seed, settings and time.

    .venv/bin/python bench/detection.py                  # the template as it is (examples/detect_shapes_fcos.json)
    .venv/bin/python bench/detection.py --epochs 3 --detector FasterRCNN

Generates the template's project (model.py, train.py) into a temp folder and runs its train.py as
the app's runner does (a subprocess, --progress), printing each epoch line as it comes, then the
goal: mAP@0.5 >= 0.5 within 10 minutes of wall time on this machine. The figures depend on the
machine's load: they print with the CPU time the run used beside the wall time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from torchcanvas.codegen import generate  # noqa: E402
from torchcanvas.graph.model import Graph  # noqa: E402

GOAL, BUDGET_S = 0.5, 600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="default: the template's")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--detector", choices=["FCOS", "FasterRCNN"], default="FCOS")
    parser.add_argument("--count", type=int, default=None, help="images in both splits; default: the template's")
    args = parser.parse_args()

    doc = json.loads((ROOT / "examples" / "detect_shapes_fcos.json").read_text())
    t = doc["training"]
    t["seed"] = args.seed
    t["loss"]["params"]["detector"] = args.detector
    if args.epochs:
        t["epochs"] = args.epochs
    if args.count:
        t["dataset"].setdefault("params", {})["count"] = args.count
    graph = Graph.model_validate(doc)
    with tempfile.TemporaryDirectory(prefix="tc-bench-det-") as tmp:
        for name, text in generate(graph).items():
            (Path(tmp) / name).write_text(text)
        print(
            f"{args.detector} on ShapesDetection {t['dataset'].get('params', {}) or '(defaults: 600 images, 64x64)'}, "
            f"{t['epochs']} epochs, batch {t['batch_size']}, {t['optimizer']['type']} lr {t['lr']}, seed {args.seed}",
            flush=True,
        )
        t0 = time.perf_counter()
        reached = None
        # stderr (tqdm's bar) to a file: shown only if the run fails
        err = open(Path(tmp) / "stderr.txt", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "train.py", "--device", "cpu", "--progress"],
            cwd=tmp,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if not line.startswith('{"event": "epoch"'):
                continue
            e = json.loads(line)
            wall = time.perf_counter() - t0
            print(
                f"epoch {e['epoch']:3d}  loss {e['train_loss']:.3f}  mAP@0.5 {e['map50']:.3f}  "
                f"mAP@[.5:.95] {e['map']:.3f}  {wall:6.1f} s",
                flush=True,
            )
            if reached is None and e["map50"] >= GOAL:
                reached = (e["epoch"], wall, e["map50"])
        proc.wait()
        err.close()
        wall = time.perf_counter() - t0
        if proc.returncode:
            print((Path(tmp) / "stderr.txt").read_text()[-3000:])
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"finished in {wall:.0f} s wall, {cpu.ru_utime + cpu.ru_stime:.0f} s CPU (exit {proc.returncode})")
    if reached:
        ok = "within" if reached[1] <= BUDGET_S else "NOT within"
        print(
            f"goal mAP@0.5 >= {GOAL}: reached at epoch {reached[0]} ({reached[2]:.3f}) after {reached[1]:.0f} s, {ok} 10 min"
        )
    else:
        print(f"goal mAP@0.5 >= {GOAL}: not reached")


if __name__ == "__main__":
    main()
