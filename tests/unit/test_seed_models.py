"""Differential tests, in the manner of micrograd's test_engine: each example with a hand-written
reference (tests/unit/references.py) is run through our path, both the generated model.py and
the in-memory ``build_model``, and through plain torch, and the two must agree exactly.

Weights are copied from the reference into our model *by registration order*, so these tests
also pin the order in which the generated code registers its layers (the order of the graph).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor, nn

from tests.codegen_utils import random_inputs
from tests.unit import references as ref
from tests.unit.test_examples import assert_identical, assert_same_layout, copy_weights, load_generated, load_graph
from torchcanvas.codegen import generate
from torchcanvas.graph.model import Graph
from torchcanvas.shapes import build_model, check


@dataclass(frozen=True)
class Case:
    example: str
    reference: Callable[[], nn.Module]
    inputs: Callable[[Graph], list[Tensor]]
    has_buffers: bool = False


def _seed_x(graph: Graph) -> list[Tensor]:
    return [ref.gen_data(num_data=10, x_range=(-1, 1))[0]]  # the seed's train_x: (10, 1)


def _random(graph: Graph) -> list[Tensor]:
    return random_inputs(graph, batch=4, seed=1)


CASES = [
    # the seed
    Case("seed_mlp_weight_decay", lambda: ref.MLP(200), _seed_x),
    Case("seed_mlp_dropout", lambda: ref.MLP(200, d_prob=0.5), _seed_x),
    Case("seed_dropout_scale", lambda: ref.Net(10000, d_prob=0.5), _random),
    Case("seed_lenet", lambda: ref.LeNet(classes=2), _random),
    Case("seed_lenet_bn", lambda: ref.LeNet_bn(classes=2), _random, has_buffers=True),
    # hand-written references for the other examples
    Case("resnet_basic_block", ref.ResNetBasicBlock, _random, has_buffers=True),
    Case("unet_tiny", ref.UNetTiny, _random),
    Case("lstm_classifier", ref.LSTMClassifier, _random),
    Case("transformer_encoder", ref.DigitsTransformer, _random),
    Case("nested_blocks", ref.NestedBlocks, _random, has_buffers=True),
]

cases = pytest.mark.parametrize("case", CASES, ids=[c.example for c in CASES])
# Our two paths: the code we hand to the user, and the model the check (and the runner) builds.
paths = pytest.mark.parametrize("kind", ["generated", "in_memory"])


def _ours(kind: str, graph: Graph, tmp_path: Path) -> nn.Module:
    return load_generated(graph, tmp_path) if kind == "generated" else build_model(graph)


def _pair(case: Case, kind: str, tmp_path: Path) -> tuple[Graph, nn.Module, nn.Module]:
    """(graph, reference, ours) with the reference's weights copied into ours."""
    graph = load_graph(case.example)
    torch.manual_seed(0)
    reference = case.reference()
    _randomize_batchnorm(reference)
    ours = _ours(kind, graph, tmp_path)
    copy_weights(reference, ours)
    return graph, reference, ours


def _randomize_batchnorm(model: nn.Module) -> None:
    """Fresh BatchNorm (mean 0, var 1, gamma 1, beta 0) is nearly the identity in eval mode, which
    would hide a misplaced BN (after its ReLU instead of before); give it real statistics."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-1.0, 1.0)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


def _run(model: nn.Module, inputs: list[Tensor]) -> Tensor:
    # The same seed before each forward: Dropout then draws the same masks in both models.
    torch.manual_seed(1234)
    return model(*[x.clone() for x in inputs])


@cases
@paths
def test_parameter_shapes_match_reference(case: Case, kind: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    ours = _ours(kind, load_graph(case.example), tmp_path)
    assert_same_layout(case.reference(), ours)


@cases
def test_check_counts_the_reference_params(case: Case) -> None:
    reference = case.reference()
    assert check(load_graph(case.example)).total_params == sum(p.numel() for p in reference.parameters())


@cases
@paths
def test_eval_outputs_are_identical(case: Case, kind: str, tmp_path: Path) -> None:
    graph, reference, ours = _pair(case, kind, tmp_path)
    reference.eval()
    ours.eval()
    inputs = case.inputs(graph)
    with torch.no_grad():
        assert_identical(_run(ours, inputs), _run(reference, inputs))


@cases
@paths
def test_train_outputs_and_grads_are_identical(case: Case, kind: str, tmp_path: Path) -> None:
    """Train mode: BatchNorm uses batch statistics, Dropout draws masks (the same ones, seeded)."""
    graph, reference, ours = _pair(case, kind, tmp_path)
    reference.train()
    ours.train()
    inputs = case.inputs(graph)
    y_ours, y_ref = _run(ours, inputs), _run(reference, inputs)
    assert_identical(y_ours, y_ref)
    y_ours.square().sum().backward()
    y_ref.square().sum().backward()
    for (name, p_ref), p_ours in zip(reference.named_parameters(), ours.parameters(), strict=True):
        assert p_ours.grad is not None, f"no gradient for the parameter matching {name}"
        torch.testing.assert_close(p_ours.grad, p_ref.grad, rtol=0, atol=0, msg=lambda m, n=name: f"grad of {n}: {m}")


@pytest.mark.parametrize("case", [c for c in CASES if c.has_buffers], ids=[c.example for c in CASES if c.has_buffers])
@paths
def test_running_stats_match_after_a_train_forward(case: Case, kind: str, tmp_path: Path) -> None:
    graph, reference, ours = _pair(case, kind, tmp_path)
    reference.train()
    ours.train()
    inputs = case.inputs(graph)
    with torch.no_grad():
        _run(ours, inputs)
        _run(reference, inputs)
    names = [n for n, _ in reference.named_buffers()]
    assert any(n.endswith("running_mean") for n in names)
    for name, b_ours, b_ref in zip(names, ours.buffers(), reference.buffers(), strict=True):
        torch.testing.assert_close(b_ours, b_ref, rtol=0, atol=0, msg=lambda m, n=name: f"buffer {n}: {m}")
    # The update really happened: running = (1 - momentum) * running + momentum * batch_stat.
    running_mean = next(b for n, b in reference.named_buffers() if n.endswith("running_mean"))
    assert not torch.equal(running_mean, torch.zeros_like(running_mean))


@paths
def test_dropout_demo_scales_at_train_time(kind: str, tmp_path: Path) -> None:
    """The seed: ``net.linears[1].weight.detach().fill_(1.)``; ones in; eval prints exactly 10000,
    train prints about 10000 (9942 in the post) because kept units are scaled by 1/(1-p)."""
    ours = _ours(kind, load_graph("seed_dropout_scale"), tmp_path)
    (weight,) = ours.parameters()  # Linear(10000, 1, bias=False): the only parameter
    weight.detach().fill_(1.0)
    x = torch.ones(1, 10000)

    ours.eval()
    with torch.no_grad():
        y_eval = ours(x)
    assert torch.equal(y_eval, torch.tensor([[10000.0]]))

    ours.train()
    torch.manual_seed(0)
    with torch.no_grad():
        y_train = ours(x)
    assert y_train.shape == (1, 1)
    assert y_train.item() != 10000.0
    assert abs(y_train.item() - 10000.0) <= 0.05 * 10000.0
    assert y_train.item() % 2 == 0  # every kept unit contributes 1 / (1 - 0.5) = 2


@pytest.mark.parametrize("example, reference", [("seed_lenet", ref.LeNet), ("seed_lenet_bn", ref.LeNet_bn)])
def test_lenet_inferred_params_are_the_seeds(example: str, reference: type[nn.Module]) -> None:
    """The documents leave in_channels/in_features/num_features out; the check must find the
    numbers the seed wrote by hand (fc1's 16 * 5 * 5 = 400), and count each layer's params."""
    result = check(load_graph(example))
    expected = {
        "conv1": {"in_channels": 3},
        "conv2": {"in_channels": 6},
        "fc1": {"in_features": 400},
        "fc2": {"in_features": 120},
        "fc3": {"in_features": 84},
    }
    if example == "seed_lenet_bn":
        expected |= {"bn1": {"num_features": 6}, "bn2": {"num_features": 16}, "bn3": {"num_features": 120}}
    seed = reference(2)
    for node_id, inferred in expected.items():
        for param, value in inferred.items():
            assert result.nodes[node_id].inferred.get(param) == value, (
                f"{node_id}.{param}: {result.nodes[node_id].inferred}"
            )
        layer = seed.get_submodule(node_id)
        assert result.nodes[node_id].params == sum(p.numel() for p in layer.parameters()), node_id
    assert result.nodes["flatten"].outputs["out"] == ["B", 400]
    assert result.nodes["fc3"].outputs["out"] == ["B", 2]


@pytest.mark.parametrize("example", ["seed_lenet", "seed_lenet_bn"])
def test_generated_initialize_weights_is_the_seeds(example: str) -> None:
    """train.py's ``initialize_weights`` (init="initialize_weights") draws the seed's values: from the
    same seed, on the seed's own model, it leaves the same weights as the seed's method."""
    graph = load_graph(example)
    graph.training.init = "initialize_weights"
    train_py = generate(graph)["train.py"]
    [fn] = [n for n in ast.parse(train_py).body if isinstance(n, ast.FunctionDef) and n.name == "initialize_weights"]
    namespace: dict[str, Any] = {"nn": nn}
    exec(compile(ast.Module(body=[fn], type_ignores=[]), "train.py", "exec"), namespace)

    reference = ref.LeNet_bn if example == "seed_lenet_bn" else ref.LeNet
    seeds, ours = reference(classes=2), reference(classes=2)
    ours.load_state_dict(seeds.state_dict())
    torch.manual_seed(0)
    ref.initialize_weights(seeds)
    torch.manual_seed(0)
    namespace["initialize_weights"](ours)
    assert seeds.state_dict().keys() == ours.state_dict().keys()
    for name, value in seeds.state_dict().items():
        torch.testing.assert_close(ours.state_dict()[name], value, rtol=0, atol=0, msg=name)
    assert ours.fc1.weight.std() > 0.9  # normal(0, 1): the seed's far-too-large linear weights
