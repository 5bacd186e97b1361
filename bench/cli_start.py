"""CLI start-up: each command's wall time beside ``python -c "import torch, torchvision"``.

Run: .venv/bin/python bench/cli_start.py [--repeat 5]

Each command runs ``--repeat`` times in a fresh interpreter, interleaved with the baseline so that
a change of load hits both; the figure is the median, and the ratio is to the baseline's median.
Goal (issue 11): every command <= 1.3x the baseline. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "seed_lenet_bn.json"
GOAL = 1.3


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="torchcanvas-cli-"))
    cli = [sys.executable, "-m", "torchcanvas.cli"]
    commands = {
        "baseline: import torch, torchvision": [sys.executable, "-c", "import torch, torchvision"],
        "check": [*cli, "check", str(EXAMPLE)],
        "codegen": [*cli, "codegen", str(EXAMPLE), "-o", str(out / "code")],
        "catalog": [*cli, "catalog"],
        "import torchvision:resnet18": [*cli, "import", "torchvision:resnet18", "-o", str(out / "r18.json")],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    timed(commands["check"])  # the first start fills the OS's file cache: not a figure
    for _ in range(args.repeat):
        for name, cmd in commands.items():
            times[name].append(timed(cmd))
    base = statistics.median(times["baseline: import torch, torchvision"])
    print(f"{'command':<38}{'median':>9}{'ratio':>8}")
    for name, xs in times.items():
        ratio = statistics.median(xs) / base
        verdict = "" if name.startswith("baseline") else ("  met" if ratio <= GOAL else "  NOT met")
        print(f"{name:<38}{statistics.median(xs):>8.2f}s{ratio:>8.2f}{verdict}")
    print(f"goal: every command <= {GOAL}x the baseline")


if __name__ == "__main__":
    main()
