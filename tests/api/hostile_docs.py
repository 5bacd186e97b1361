"""Hostile and heavy request bodies, built in one place for the hostile-input tests and
bench/hostile.py.

``OVER_LIMIT`` lists the examples of issue 7 that a server must refuse quickly (422 naming the
limit) rather than work on for seconds to minutes; ``nested_modules`` builds the kind of small
document whose work grows exponentially with its nesting.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from tests.api.api_support import mlp_graph


def _chain(ids: list[str], ports: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Edges ``ids[0] -> ids[1] -> ...``; ``ports`` names a target's input port when not ``in``."""
    ports = ports or {}
    return [
        {"source": {"node": a, "port": "out"}, "target": {"node": b, "port": ports.get(b, "in")}}
        for a, b in itertools.pairwise(ids)
    ]


def nested_modules(levels: int, fanout: int, width: int = 4) -> dict[str, Any]:
    """A valid document of ``levels`` nested modules, each using the one below ``fanout`` times in
    a chain: ``fanout ** levels`` Linear layers after expansion, in a few KB of JSON."""
    modules = []
    for level in range(levels):
        inner = [f"m{i}" for i in range(fanout)]
        if level == 0:
            nodes = [{"id": n, "kind": "layer", "type": "Linear", "params": {"out_features": width}} for n in inner]
        else:
            nodes = [{"id": n, "kind": "module", "module": f"L{level - 1}"} for n in inner]
        ports = {} if level == 0 else dict.fromkeys(inner, "x")
        modules.append(
            {
                "name": f"L{level}",
                "nodes": [{"id": "x", "kind": "input", "shape": ["B", width]}, *nodes, {"id": "out", "kind": "output"}],
                "edges": _chain(["x", *inner, "out"], ports),
            }
        )
    return {
        "schema_version": 1,
        "name": f"Nested{levels}x{fanout}",
        "nodes": [
            {"id": "x", "kind": "input", "shape": ["B", 1]},  # the default data set's samples
            {"id": "proj", "kind": "layer", "type": "Linear", "params": {"out_features": width}},
            {"id": "top", "kind": "module", "module": f"L{levels - 1}"},
            {"id": "head", "kind": "layer", "type": "Linear", "params": {"out_features": 1}},
            {"id": "y", "kind": "output"},
        ],
        "edges": _chain(["x", "proj", "top", "head", "y"], {"top": "x"}),
        "modules": modules,
    }


def linear(n: int) -> dict[str, Any]:
    """input (B, n) -> Linear(n -> n) -> output: n*n + n params."""
    doc = mlp_graph(name=f"Linear{n}")
    doc["nodes"] = [
        {"id": "x", "kind": "input", "shape": ["B", n]},
        {"id": "fc", "kind": "layer", "type": "Linear", "params": {"out_features": n}},
        {"id": "y", "kind": "output"},
    ]
    doc["edges"] = _chain(["x", "fc", "y"])
    return doc


def mnist_classifier(root: Any = "mnist") -> dict[str, Any]:
    """Flatten -> Linear(10) on MNIST, downloaded into ``root``: a document that generates a
    runnable project."""
    doc = resized_images(28)
    doc["name"] = "MnistLinear"
    doc["training"]["train_transforms"] = []
    doc["training"]["dataset"]["params"] = {"root": root}
    return doc


def resized_images(size: int) -> dict[str, Any]:
    """A small image classifier whose training pipeline resizes every image to ``size`` squared."""
    doc = mlp_graph(name=f"Resize{size}")
    doc["nodes"] = [
        {"id": "x", "kind": "input", "shape": ["B", 1, 28, 28]},
        {"id": "flat", "kind": "layer", "type": "Flatten"},
        {"id": "fc", "kind": "layer", "type": "Linear", "params": {"out_features": 10}},
        {"id": "y", "kind": "output"},
    ]
    doc["edges"] = _chain(["x", "flat", "fc", "y"])
    doc["training"] = {
        "dataset": {"type": "MNIST"},
        "loss": {"type": "CrossEntropyLoss"},
        "train_transforms": [{"type": "Resize", "params": {"size": [size, size]}}],
    }
    return doc


def augment_resize(size: int) -> dict[str, Any]:
    return {"dataset": {"type": "Digits"}, "transforms": [{"type": "Resize", "params": {"size": [size, size]}}], "n": 1}


@dataclass(frozen=True)
class Hostile:
    name: str
    path: str  # under /api/v1
    body: dict[str, Any]


# 5 levels of modules, each using the one below 6 times: 7,776 Linear layers (12,445 nodes)
# after expansion, a second of checking, yet a document well inside the limits.
LARGE_VALID = nested_modules(5, 6)
# The worst the default limits allow of this kind: 17,576 Linear layers, 19,689 nodes after
# expansion, just under max_module_instances (20,000); bench/hostile.py checks it.
WORST_ALLOWED = nested_modules(3, 26)

# The examples of work without a bound; each should be refused with a 422 in milliseconds
# once the document limits (torchcanvas.limits) are in place.
OVER_LIMIT = [
    Hostile("7-level nested modules, 8 each (2.1 M instances)", "/check", nested_modules(7, 8)),
    Hostile("Resize 12000x12000 in train_transforms", "/check", resized_images(12_000)),
    Hostile("Resize 20000x20000 in train_transforms", "/check", resized_images(20_000)),
    Hostile("augment preview Resize 8000x8000", "/augment/preview", augment_resize(8_000)),
    Hostile("ONNX export Linear(44000->44000)", "/export/onnx", linear(44_000)),
    Hostile("ONNX export Linear(20000->20000)", "/export/onnx", linear(20_000)),
]
