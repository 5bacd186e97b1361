"""Importer figures: import (torch.fx trace to a document) and codegen (document to model.py)
times for resnet50, vit_b_16 and convnext_tiny, after torch and the catalog are loaded.

Run: OMP_NUM_THREADS=1 .venv/bin/python bench/import.py. Prints figures; asserts nothing.
The goal (issue 11): at most 1 s each.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
import torchvision

from torchcanvas.catalog import catalog
from torchcanvas.codegen import generate_model_py
from torchcanvas.importer import import_module
from torchcanvas.shapes.infer import clear_caches

MODELS = ["resnet50", "vit_b_16", "convnext_tiny"]
REPEAT = 5


def median_s(fn: object, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        clear_caches()  # each run computes every node's shape afresh, as a first import does
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    catalog()  # built once per process: not the figure (see the cold-start figures in the README)
    print(f"{'model':<16}{'nodes':>8}{'defs':>6}{'import s':>10}{'codegen s':>11}")
    for name in MODELS:
        model = torchvision.models.get_model(name, weights=None).eval()
        graph = import_module(model, [3, 224, 224])
        generate_model_py(graph)
        t_import = median_s(lambda m=model: import_module(m, [3, 224, 224]))
        t_codegen = median_s(lambda g=graph: generate_model_py(g))
        nodes = len(graph.nodes) + sum(len(m.nodes) for m in graph.modules)
        print(f"{name:<16}{nodes:>8}{len(graph.modules):>6}{t_import:>10.3f}{t_codegen:>11.3f}")


if __name__ == "__main__":
    main()
