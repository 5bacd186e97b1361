"""How many torch threads a run gets.

A small model's step is a few small matrix products: splitting them over threads gains nothing,
and on a busy machine each OpenMP barrier waits for a thread that another process holds. The
seed MLP's 400 epochs took 1.1 s with one thread and 18 to 35 s with two on this two-core machine
under load: a lab lesson of two such runs took 308 s. A run whose forward pass over one batch is
below ``SMALL_STEP_FLOPS`` therefore gets one thread; bigger ones keep torch's default (all
cores), unless the server sets one count for all (settings.run_torch_threads).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.limits import LimitExceeded
from torchcanvas.shapes import check

# LeNet on 32x32 images at batch 16 is 21 MFLOPs; a ResNet-50 at batch 1 is 8 GFLOPs.
SMALL_STEP_FLOPS = 50_000_000


def run_threads(graph: dict[str, Any], configured: int | None) -> int | None:
    """The torch thread count for a run of ``graph`` (a stored run's document): ``configured``
    when the server sets one; else 1 for a small model; else None (torch's default)."""
    if configured:
        return configured
    try:
        g = Graph.model_validate(graph)
        flops = check(g).total_flops
    except (ValidationError, GraphError, LimitExceeded, ValueError):
        return None  # the run reports what is wrong with it; its threads do not matter
    return 1 if flops * g.training.batch_size < SMALL_STEP_FLOPS else None


def threads_env(threads: int | None) -> dict[str, str]:
    """The environment that gives a fresh interpreter ``threads`` torch threads."""
    return {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)} if threads else {}
