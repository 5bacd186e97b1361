"""Helpers to build small graphs and import generated model.py files."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from torchcanvas.catalog import LayerSpec
from torchcanvas.graph.model import Graph

_counter = itertools.count()


def import_source(source: str, tmp_path: Path, name: str = "model") -> ModuleType:
    """Write source to tmp_path and import it under a unique module name."""
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    mod_name = f"_generated_{name}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return module


def example_params(spec: LayerSpec) -> dict[str, Any]:
    """The params a freshly placed node gets: the example value of each param that has one."""
    return {p.name: p.example for p in spec.params if p.example is not None and not p.infer}


def single_layer_graph(spec: LayerSpec, params: dict[str, Any] | None = None) -> Graph:
    """Input node(s) from the spec's example inputs → the layer → one output node per output port."""
    params = example_params(spec) if params is None else params
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    if spec.type == "MaxUnpool2d":  # its indices must come from a MaxPool2d
        nodes += [
            {"id": "x", "kind": "input", "shape": ["B", 3, 16, 16]},
            {"id": "pool", "kind": "layer", "type": "MaxPool2d", "params": {"kernel_size": 2, "return_indices": True}},
        ]
        edges += [
            {"source": {"node": "x"}, "target": {"node": "pool", "port": "in"}},
            {"source": {"node": "pool", "port": "out"}, "target": {"node": "layer", "port": "in"}},
            {"source": {"node": "pool", "port": "indices"}, "target": {"node": "layer", "port": "indices"}},
        ]
    else:
        for port, shape in spec.example_inputs.items():
            dtype = "int64" if spec.type == "Embedding" else "float32"
            nodes.append({"id": f"x_{port}", "kind": "input", "shape": shape, "dtype": dtype})
            edges.append({"source": {"node": f"x_{port}"}, "target": {"node": "layer", "port": port}})
    nodes.append({"id": "layer", "kind": "layer", "type": spec.type, "params": params})
    resolved = {p.name: params.get(p.name, p.default) for p in spec.params}
    for port in spec.output_ports(resolved):
        nodes.append({"id": f"y_{port}", "kind": "output"})
        edges.append({"source": {"node": "layer", "port": port}, "target": {"node": f"y_{port}", "port": "in"}})
    return Graph.model_validate({"name": f"{spec.type}Net", "nodes": nodes, "edges": edges})


def random_inputs(graph: Graph, batch: int = 3, seed: int = 0, high: int = 10) -> list[torch.Tensor]:
    """One tensor per input node, in input-node order, with "B" set to ``batch``: integers in
    [0, high) for an int64 input (indices), normal floats otherwise."""
    g = torch.Generator().manual_seed(seed)
    xs = []
    for node in graph.inputs():
        assert all(d == "B" or isinstance(d, int) for d in node.shape), f"unexpected symbol in {node.shape}"
        shape = [batch if d == "B" else int(d) for d in node.shape]
        if node.dtype == "int64":
            xs.append(torch.randint(0, high, shape, generator=g))
        else:
            xs.append(torch.randn(shape, generator=g).to(getattr(torch, node.dtype)))
    return xs


def as_tuple(out: Any) -> tuple[torch.Tensor, ...]:
    return out if isinstance(out, tuple) else (out,)
