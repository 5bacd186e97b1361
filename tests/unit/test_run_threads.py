"""A small model's run trains on one torch thread; a big one keeps torch's default; a server-wide
setting wins (runner/threads.py)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.graphs import resnet50
from torchcanvas.graph.model import Graph
from torchcanvas.runner.threads import SMALL_STEP_FLOPS, run_threads, threads_env
from torchcanvas.shapes import check

ROOT = Path(__file__).resolve().parents[2]


def _example(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((ROOT / "examples" / f"{name}.json").read_text())  # type: ignore[no-any-return]


def test_the_lessons_models_get_one_thread_a_resnet_torchs_default() -> None:
    for name in ("seed_mlp_weight_decay", "seed_mlp_dropout", "seed_lenet_bn"):
        assert run_threads(_example(name), None) == 1, name
    assert run_threads(resnet50(), None) is None


def test_the_step_is_the_forward_pass_over_one_batch() -> None:
    doc = _example("seed_lenet_bn")
    flops = check(Graph.model_validate(doc)).total_flops
    doc["training"]["batch_size"] = SMALL_STEP_FLOPS // flops + 1  # just over the line
    assert run_threads(doc, None) is None
    doc["training"]["batch_size"] = SMALL_STEP_FLOPS // flops - 1
    assert run_threads(doc, None) == 1


def test_the_servers_setting_wins_and_a_broken_document_keeps_the_default() -> None:
    assert run_threads(resnet50(), 3) == 3
    assert run_threads({"nodes": "not a graph"}, None) is None
    assert threads_env(1) == {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    assert threads_env(None) == {}
