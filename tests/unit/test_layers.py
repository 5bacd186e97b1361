"""Every catalog layer through generated code, with the params a new node gets and, where the
catalog offers other choices (a bool, an enum), with a second, non-default set.

For each layer and param set: the check passes; the generated model.py defines a module with the
same parameter shapes (in order) as the in-memory model; with the same weights, the generated
module, the in-memory model and the layer built directly from ``torch.nn`` with the same kwargs
(an independent reference: it does not go through ``analyze()``) give identical outputs; and a
backward pass reaches every parameter and every float input.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from tests.codegen_utils import as_tuple, example_params, import_source, random_inputs, single_layer_graph
from tests.unit.test_examples import flatten
from torchcanvas.catalog import LayerSpec, catalog
from torchcanvas.codegen import generate_model_py, model_class_name
from torchcanvas.graph.model import Graph
from torchcanvas.shapes import build_model, check

# Parameter has no input, so no single-layer graph: test_parameter_node covers it.
LAYERS = sorted(t for t in catalog().layers if t != "Parameter")
# Inputs whose size is read, never their values: no gradient reaches them.
_SIZE_ONLY = {("Expand", 1)}
# Not varied: ``inplace`` changes how a layer runs, not what it computes (and an in-place op on a
# leaf input cannot be differentiated); ``batch_first`` only says which dim of the example input
# is the batch, and flipped, a recurrent layer's sequence becomes the symbolic batch (a million
# steps for the meta-device pass to unroll); Embedding's ``sparse`` gradients need a sparse-aware
# optimizer, and torch cannot combine them with ``scale_grad_by_freq`` in backward.
_NOT_VARIED = {"inplace", "batch_first", "sparse"}


def _alternative(spec: LayerSpec, name: str, current: Any) -> Any:
    """A value other than ``current`` that the catalog offers for a bool or enum param, or None."""
    p = spec.param(name)
    assert p is not None
    if p.type == "bool":
        return not current
    if p.choices:
        return next((c for c in p.choices if c != current), None)
    return None


@cache
def varied_params(layer_type: str) -> dict[str, Any] | None:
    """The example params with every bool flipped and every enum moved to another choice, keeping
    each change only if the layer still checks (``batch_first`` and ``bidirectional`` together,
    say, but not a ``return_indices`` the graph cannot wire). None where nothing can vary."""
    spec = catalog().layers[layer_type]
    params = example_params(spec)
    changed = False
    for p in spec.params:
        if p.infer or p.name in _NOT_VARIED:
            continue
        alt = _alternative(spec, p.name, params.get(p.name, p.default))
        if alt is None:
            continue
        trial = {**params, p.name: alt}
        if check(single_layer_graph(spec, trial)).ok:
            params, changed = trial, True
    return params if changed else None


CASES = [pytest.param(t, None, id=f"{t}-example") for t in LAYERS] + [
    pytest.param(t, "varied", id=f"{t}-varied")
    for t in LAYERS
    if varied_params(t) is not None
]


def _torch_reference(spec: LayerSpec, given: dict[str, Any], inferred: dict[str, Any]) -> nn.Module | None:
    """The layer straight from ``torch.nn`` (or torchvision) with the kwargs the user set plus
    those the check inferred; None for graph ops (Add, Concat, ...), which have no class."""
    if spec.is_op:
        return None
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in {**given, **inferred}.items()}
    home, _, name = spec.torch.rpartition(".")
    layer: nn.Module = getattr(importlib.import_module(home), name)(**kwargs)
    return layer


@pytest.mark.parametrize(("layer_type", "variant"), CASES)
def test_layer_through_generated_code(layer_type: str, variant: str | None, tmp_path: Path) -> None:
    spec = catalog().layers[layer_type]
    params = varied_params(layer_type) if variant else example_params(spec)
    assert params is not None
    graph = single_layer_graph(spec, params)
    result = check(graph)
    assert result.ok, [i.message for i in result.issues]

    module = import_source(generate_model_py(graph), tmp_path)
    generated = getattr(module, model_class_name(graph))()
    in_memory = build_model(graph)
    assert [p.shape for p in generated.parameters()] == [p.shape for p in in_memory.parameters()]
    generated.load_state_dict(in_memory.state_dict())

    high = spec.params[0].example if layer_type == "Embedding" else 10
    xs = random_inputs(graph, high=high)
    generated.eval()
    in_memory.eval()
    with torch.no_grad():
        outs = as_tuple(generated(*xs))
        for got, want in zip(outs, as_tuple(in_memory(*xs)), strict=True):
            torch.testing.assert_close(got, want, rtol=0, atol=0)

    # The independent reference. MaxUnpool2d's graph starts with the MaxPool2d that makes its
    # indices, so its inputs are not the layer's own; it is covered by the two checks above.
    reference = _torch_reference(spec, params, result.nodes["layer"].inferred)
    if reference is not None and layer_type != "MaxUnpool2d":
        reference.load_state_dict(dict(zip(reference.state_dict(), generated.state_dict().values(), strict=True)))
        reference.eval()
        with torch.no_grad():
            want = flatten(reference(*xs))[: len(outs)]
        for got, expected in zip(outs, want, strict=True):
            torch.testing.assert_close(got, expected, rtol=0, atol=0)

    # Shapes the check reported are the shapes that actually come out.
    shown = [result.nodes[n.id].inputs["in"] for n in graph.outputs()]
    for out, shape in zip(outs, shown, strict=True):
        assert list(out.shape) == [3 if d == "B" else d for d in shape]

    # Backward through a random weighting of the outputs (a plain sum would give Softmax a zero
    # gradient): every parameter and every float input gets a gradient that is not all zero.
    generated.train()
    floats = [x.requires_grad_() for x in xs if x.is_floating_point()]
    torch.manual_seed(0)
    loss = sum((o * torch.randn_like(o)).sum() for o in as_tuple(generated(*xs)) if o.is_floating_point())
    assert isinstance(loss, torch.Tensor)
    loss.backward()
    for name, p in generated.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"no gradient reaches {name}"
    for i, x in enumerate(floats):
        if (layer_type, i) in _SIZE_ONLY:
            continue
        assert x.grad is not None and x.grad.abs().sum() > 0, f"no gradient reaches input {i}"


@pytest.mark.parametrize(("init", "value"), [("zeros", 0.0), ("ones", 0.0), ("constant", 1e-6), ("normal", 0.02)])
def test_parameter_node(init: str, value: float, tmp_path: Path) -> None:
    """x + token, and token expanded per sample and joined to x: the parameter is registered under
    the node's own name, generated code and the in-memory model agree, and the init is the one asked for."""
    nodes = [{"id": "x", "kind": "input", "shape": ["B", 4, 16]},
             {"id": "token", "kind": "layer", "type": "Parameter", "params": {"shape": [1, 1, 16], "init": init, "value": value}},
             {"id": "add", "kind": "layer", "type": "Add"},
             {"id": "per_sample", "kind": "layer", "type": "Expand", "params": {"shape": [-1, -1]}},
             {"id": "cat", "kind": "layer", "type": "Concat"},
             {"id": "y", "kind": "output"}]
    pairs = [("x", "add", "in0"), ("token", "add", "in1"), ("token", "per_sample", "in"), ("x", "per_sample", "like"),
             ("per_sample", "cat", "in0"), ("add", "cat", "in1"), ("cat", "y", "in")]
    graph = Graph.model_validate({"nodes": nodes, "edges": [{"source": {"node": a}, "target": {"node": b, "port": p}}
                                                             for a, b, p in pairs]})
    result = check(graph)
    assert result.ok, result.issues
    assert result.nodes["token"].outputs["out"] == [1, 1, 16] and result.total_params == 16
    assert result.nodes["cat"].outputs["out"] == ["B", 5, 16]
    in_memory = build_model(graph)
    generated = getattr(import_source(generate_model_py(graph), tmp_path), model_class_name(graph))()
    assert list(in_memory.state_dict()) == list(generated.state_dict()) == ["token"]
    token = generated.state_dict()["token"]
    if init == "normal":
        assert 0.005 < float(token.std()) < 0.05
    else:
        assert torch.equal(token, torch.full((1, 1, 16), {"zeros": 0.0, "ones": 1.0}.get(init, value)))
    generated.load_state_dict({"token": torch.randn(1, 1, 16)})
    in_memory.load_state_dict(generated.state_dict())
    x = torch.randn(3, 4, 16)
    want = torch.cat([generated.token.expand(3, -1, -1), x + generated.token], dim=1)
    torch.testing.assert_close(generated(x), want, rtol=0, atol=0)
    torch.testing.assert_close(in_memory(x), want, rtol=0, atol=0)
