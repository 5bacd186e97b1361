"""A warm interpreter for the next run.

Importing torch, torchvision and TensorBoard takes about 4 s here: most of the wait between
pressing Train and the first metric. The runner therefore keeps one launcher process started
ahead of time: it does those imports while nobody waits, then reads one line from stdin naming a
run (its folder, the command-line arguments, a memory limit, its torch thread count) and runs
that run's ``train.py`` as ``__main__``, exactly as ``python train.py ARGS`` would, in this same
process. One process per run still holds: a launcher runs one run and exits.
"""

from __future__ import annotations

import json
import os
import resource
import runpy
import sys


def main() -> None:
    # Training yields the CPU to the server: with runs using every core, the API processes'
    # requests (a /check per edit, /health) would otherwise queue behind them (bench/load.py).
    os.nice(10)
    # The slow imports, while no run is waiting. Only imports: a process that has used torch's
    # thread pools or CUDA must not be what the run inherits.
    import torch
    import torch.utils.tensorboard
    import torchvision  # noqa: F401
    import tqdm  # noqa: F401

    line = sys.stdin.readline()
    if not line.strip():  # the runner closed our stdin: it is stopping, or no run came
        return
    spec = json.loads(line)
    sys.stdin.close()
    os.chdir(spec["cwd"])
    sys.path.insert(0, spec["cwd"])  # ``from model import ...``, as python puts a script's folder first
    sys.argv = ["train.py", *spec["args"]]
    threads = spec.get("threads")
    if threads:  # a small model's run: one thread (runner/threads.py); before any torch op
        torch.set_num_threads(int(threads))
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(int(threads))
    memory = spec.get("memory_bytes")
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    runpy.run_path("train.py", run_name="__main__")


if __name__ == "__main__":
    main()
