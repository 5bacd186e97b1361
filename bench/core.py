"""Core engine figures: check time (cold and after a one-node edit), codegen time, train-step ratio.

Run: .venv/bin/python bench/core.py. Prints figures; asserts nothing (tests assert behaviour).
"""

from __future__ import annotations

import copy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from bench.graphs import resnet50, wide
from torchcanvas.codegen import generate_model_py, model_class_name
from torchcanvas.graph.model import Graph
from torchcanvas.shapes import check
from torchcanvas.shapes.infer import clear_caches


def median_ms(fn: Callable[[], object], repeat: int = 15, setup: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def full_check(doc: dict) -> None:
    result = check(Graph.model_validate(doc))
    assert result.ok, result.issues[:3]


def _mid_batchnorm(nodes: list[dict]) -> dict:
    """The BatchNorm nearest the middle of the document: a param there (eps) changes no shape."""
    middle = len(nodes) // 2
    index, node = min(
        ((i, n) for i, n in enumerate(nodes) if n.get("type", "").startswith("BatchNorm")), key=lambda t: abs(t[0] - middle)
    )
    assert 0.4 <= index / len(nodes) <= 0.6, f"{node['id']} is node {index} of {len(nodes)}, not mid-graph"
    return node


def bench_graph(label: str, doc: dict, target_cold: float, target_edit: float) -> None:
    n = len(doc["nodes"])
    full_check(doc)  # import and first-use costs are not the figure
    cold = median_ms(lambda: full_check(doc), setup=clear_caches)

    edited = copy.deepcopy(doc)
    fc = next(node for node in edited["nodes"] if node["id"] == "fc")
    mid = _mid_batchnorm(edited["nodes"])
    state = {"i": 0}

    def edit_leaf() -> None:  # the user types a new out_features into the last layer
        state["i"] += 1
        fc["params"]["out_features"] = 10 + state["i"]  # a value not seen before: no cache hit
        full_check(edited)

    def edit_mid() -> None:  # a new eps in a mid-graph BatchNorm: every repeat is a value not seen yet
        state["i"] += 1
        mid["params"]["eps"] = 1e-5 * (1 + state["i"])
        full_check(edited)

    leaf = median_ms(edit_leaf)
    middle = median_ms(edit_mid)
    graph = Graph.model_validate(doc)
    gen_cold = median_ms(lambda: generate_model_py(graph), repeat=9, setup=clear_caches)
    generate_model_py(graph)
    gen_warm = median_ms(lambda: generate_model_py(graph), repeat=9)
    print(f"{label} ({n} nodes)")
    print(f"  check, cold (caches cleared):        {cold:7.1f} ms   (target <= {target_cold:.0f} ms)")
    print(f"  check, after one-node edit:          {leaf:7.1f} ms   (last layer's out_features; target <= {target_edit:.0f} ms)")
    print(f"  check, after one-node edit:          {middle:7.1f} ms   (eps of {mid['id']}, mid-graph)")
    print(f"  codegen (model.py), cold:            {gen_cold:7.1f} ms   (caches cleared: shapes computed too; target <= 50 ms)")
    print(f"  codegen (model.py), warm:            {gen_warm:7.1f} ms   (shape caches filled by a previous check)")


def train_step_ratio() -> None:
    """Throughput of the generated LeNet_bn over a hand-written one (the seed's code)."""
    import importlib.util
    import tempfile

    import torch.nn as nn

    from tests.unit.references import LeNet_bn

    root = Path(__file__).resolve().parents[1]
    graph = Graph.model_validate_json((root / "examples" / "seed_lenet_bn.json").read_text())
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "model.py"
        path.write_text(generate_model_py(graph))
        spec = importlib.util.spec_from_file_location("bench_generated_model", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        generated = getattr(module, model_class_name(graph))()
    hand = LeNet_bn(classes=2)  # the seed's code, as the differential tests use it
    generated.load_state_dict(dict(zip(generated.state_dict(), hand.state_dict().values(), strict=True)))
    torch.manual_seed(0)
    x, y = torch.randn(16, 3, 32, 32), torch.randint(0, 2, (16,))

    def steps(model: nn.Module, n: int = 200) -> float:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        t = time.perf_counter()
        for _ in range(n):
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        return time.perf_counter() - t

    torch.set_num_threads(1)
    steps(hand, 50)
    steps(generated, 50)
    # Interleave rounds so that drift in machine load hits both alike.
    t_hand = t_gen = 0.0
    for _ in range(5):
        t_hand += steps(hand)
        t_gen += steps(generated)
    print("LeNet_bn train step (batch 16, CPU, 1 thread)")
    print(f"  hand-written: {t_hand / 1000 * 1e3:.3f} ms/step, generated: {t_gen / 1000 * 1e3:.3f} ms/step")
    print(f"  ratio generated / hand-written throughput: {t_hand / t_gen:.3f}   (target >= 0.99)")


if __name__ == "__main__":
    bench_graph("ResNet-50-sized graph", resnet50(), 100, 15)
    bench_graph("1,000-node graph", wide(1000), 400, 50)
    train_step_ratio()
