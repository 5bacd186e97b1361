"""Shape inference: auto-filled params, located errors, partial results, limits, modules."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from torchcanvas.catalog import ParamSpec, catalog, layer_spec
from torchcanvas.graph.model import Graph
from torchcanvas.shapes import CheckResult, build_model, check, infer, rules


def chain(layers: list[tuple[str, str, dict[str, Any]]], shape: list[Any], modules: list | None = None) -> Graph:
    nodes: list[dict[str, Any]] = [{"id": "x", "kind": "input", "shape": shape}]
    for nid, typ, params in layers:
        if typ.startswith("module:"):
            nodes.append({"id": nid, "kind": "module", "module": typ.split(":", 1)[1]})
        else:
            nodes.append({"id": nid, "kind": "layer", "type": typ, "params": params})
    nodes.append({"id": "y", "kind": "output"})
    ids = [n["id"] for n in nodes]
    edges = [{"source": {"node": a}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)]
    return Graph.model_validate({"name": "Net", "nodes": nodes, "edges": edges, "modules": modules or []})


LENET = [
    ("conv1", "Conv2d", {"out_channels": 6, "kernel_size": 5}),
    ("relu1", "ReLU", {}),
    ("pool1", "MaxPool2d", {"kernel_size": 2}),
    ("conv2", "Conv2d", {"out_channels": 16, "kernel_size": 5}),
    ("relu2", "ReLU", {}),
    ("pool2", "MaxPool2d", {"kernel_size": 2}),
    ("flat", "Flatten", {}),
    ("fc1", "Linear", {"out_features": 120}),
]


def test_in_features_is_inferred() -> None:
    r = check(chain(LENET, ["B", 3, 32, 32]))
    assert r.ok
    assert r.nodes["pool2"].outputs["out"] == ["B", 16, 5, 5]
    assert r.nodes["fc1"].inferred == {"in_features": 400}
    assert r.nodes["conv1"].inferred == {"in_channels": 3}
    assert r.nodes["fc1"].params == 400 * 120 + 120
    assert r.nodes["conv1"].flops == 2 * 28 * 28 * 25 * 6 * 3


def test_mismatch_names_node_param_and_fix() -> None:
    layers = [*LENET[:-1], ("fc1", "Linear", {"in_features": 256, "out_features": 120}), ("fc2", "Linear", {"out_features": 2})]
    r = check(chain(layers, ["B", 3, 32, 32]))
    assert not r.ok
    [issue] = r.issues
    assert issue.node == "fc1" and issue.param == "in_features"
    assert issue.message == "Linear 'fc1' expects 256 input features but receives 400"
    assert issue.fix == "set in_features=400, or leave it on auto"
    # The nodes before the error keep their shapes; the one after cannot be computed.
    assert r.nodes["flat"].outputs["out"] == ["B", 400]
    assert r.nodes["fc2"].outputs == {}


def test_independent_branch_keeps_shapes() -> None:
    g = Graph.model_validate({
        "nodes": [
            {"id": "x", "kind": "input", "shape": ["B", 8]},
            {"id": "bad", "kind": "layer", "type": "Linear", "params": {"in_features": 3, "out_features": 4}},
            {"id": "good", "kind": "layer", "type": "Linear", "params": {"out_features": 5}},
            {"id": "y1", "kind": "output"}, {"id": "y2", "kind": "output"},
        ],
        "edges": [
            {"source": {"node": "x"}, "target": {"node": "bad", "port": "in"}},
            {"source": {"node": "x"}, "target": {"node": "good", "port": "in"}},
            {"source": {"node": "bad"}, "target": {"node": "y1", "port": "in"}},
            {"source": {"node": "good"}, "target": {"node": "y2", "port": "in"}},
        ],
    })
    r = check(g)
    assert [i.node for i in r.issues] == ["bad"]
    assert r.nodes["good"].outputs["out"] == ["B", 5]


def test_torch_errors_are_located() -> None:
    r = check(chain([("conv", "Conv2d", {"out_channels": 4, "kernel_size": 9})], ["B", 3, 5, 5]))
    [issue] = r.issues
    assert issue.node == "conv"
    assert "Conv2d 'conv'" in issue.message and "kernel" in issue.message.lower()
    assert issue.fix


@pytest.mark.parametrize(
    ("typ", "params", "shape", "message", "fix"),
    [
        # The tour's trap: Conv1d after a 3x32x32 image (torch says "input of size", which read as
        # a kernel_size problem).
        ("Conv1d", {"out_channels": 6, "kernel_size": 5}, ["B", 3, 32, 32],
         "Conv1d 'layer' takes a 3-D input (B, C, L), but its input (B, 3, 32, 32) is 4-D (B, C, H, W)",
         "use Conv2d for a 4-D (B, C, H, W) input, or reshape the input to 3-D"),
        ("MaxPool2d", {"kernel_size": 2}, ["B", 4, 8, 8, 8],
         "MaxPool2d 'layer' takes a 4-D input (B, C, H, W), but its input (B, 4, 8, 8, 8) is 5-D (B, C, D, H, W)",
         "use MaxPool3d for a 5-D (B, C, D, H, W) input, or reshape the input to 4-D"),
        ("Conv2d", {"out_channels": 6, "kernel_size": 1}, ["B", 3, 32, 32, 2, 2],
         "Conv2d 'layer' takes a 4-D input (B, C, H, W), but its input (B, 3, 32, 32, 2, 2) is 6-D",
         "reshape the input to 4-D (B, C, H, W) (Flatten, Unflatten), or use a layer made for 6-D input"),
    ],
)
def test_a_layer_fed_the_wrong_rank_names_the_rank_and_the_right_layer(
    typ: str, params: dict[str, Any], shape: list[Any], message: str, fix: str
) -> None:
    r = check(chain([("layer", typ, params)], shape))
    [issue] = r.issues
    assert (issue.node, issue.message, issue.fix) == ("layer", message, fix)
    assert "kernel_size" not in issue.fix


def test_batchnorm1d_takes_2d_and_3d_input() -> None:
    for shape in (["B", 8], ["B", 8, 5]):
        assert check(chain([("bn", "BatchNorm1d", {})], shape)).ok


def test_bad_param_type_and_unknown_param() -> None:
    r = check(chain([("fc", "Linear", {"out_features": "ten", "bais": True})], ["B", 4]))
    by_param = {i.param: i for i in r.issues}
    assert "expected an integer" in by_param["out_features"].message
    assert "did you mean 'bias'" in (by_param["bais"].fix or "")


def test_a_null_dim_that_torch_refuses_is_a_param_error() -> None:
    # torch.glu takes an int dim only (a TypeError, which the check does not catch, if given None).
    r = check(chain([("glu", "GLU", {"dim": None})], ["B", 4]))
    [issue] = r.issues
    assert issue.node == "glu" and issue.param == "dim" and issue.fix


def test_absurd_sizes_are_refused_before_allocation() -> None:
    r = check(chain([("fc", "Linear", {"out_features": 10_000_000})], ["B", 1_000_000]))
    [issue] = r.issues
    assert issue.node == "fc" and "parameters" in issue.message and "limit" in issue.message


def test_batch_dimension_is_symbolic() -> None:
    r = check(chain([("flat", "Flatten", {"start_dim": 0})], ["B", 3, 4]))
    assert r.nodes["flat"].outputs["out"] == ["B*12"]


def test_modules_nest_and_report_inner_shapes() -> None:
    inner = {"name": "ConvBnAct", "nodes": [
        {"id": "in", "kind": "input", "shape": ["B", 4, 8, 8]},
        {"id": "conv", "kind": "layer", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3, "padding": 1}},
        {"id": "bn", "kind": "layer", "type": "BatchNorm2d"},
        {"id": "out", "kind": "output"},
    ], "edges": [
        {"source": {"node": "in"}, "target": {"node": "conv", "port": "in"}},
        {"source": {"node": "conv"}, "target": {"node": "bn", "port": "in"}},
        {"source": {"node": "bn"}, "target": {"node": "out", "port": "in"}},
    ]}
    outer = {"name": "Block", "nodes": [
        {"id": "in", "kind": "input", "shape": ["B", 4, 8, 8]},
        {"id": "a", "kind": "module", "module": "ConvBnAct"},
        {"id": "out", "kind": "output"},
    ], "edges": [
        {"source": {"node": "in"}, "target": {"node": "a", "port": "in"}},
        {"source": {"node": "a", "port": "out"}, "target": {"node": "out", "port": "in"}},
    ]}
    g = chain([("b1", "module:Block", {}), ("b2", "module:Block", {})], ["B", 4, 16, 16], modules=[inner, outer])
    r = check(g)
    assert r.ok, r.issues
    assert r.nodes["b2"].outputs["out"] == ["B", 4, 16, 16]
    assert r.nodes["b1"].params == 4 * 4 * 9 + 4 + 8
    assert r.modules["ConvBnAct"]["conv"].inferred == {"in_channels": 4}
    assert len(list(build_model(g).parameters())) == 8


def test_module_that_contains_itself() -> None:
    loop = {"name": "Loop", "nodes": [
        {"id": "in", "kind": "input", "shape": ["B", 4]},
        {"id": "me", "kind": "module", "module": "Loop"},
        {"id": "out", "kind": "output"},
    ], "edges": [
        {"source": {"node": "in"}, "target": {"node": "me", "port": "in"}},
        {"source": {"node": "me", "port": "out"}, "target": {"node": "out", "port": "in"}},
    ]}
    r = check(chain([("l", "module:Loop", {})], ["B", 4], modules=[loop]))
    assert any("contains itself" in i.message and i.module == "Loop" for i in r.issues)


def test_cycle_is_reported_on_its_nodes() -> None:
    g = chain([("a", "ReLU", {}), ("b", "ReLU", {})], ["B", 4])
    g.edges.append(g.edges[2].model_copy(update={"source": g.edges[2].target.model_copy(update={"node": "b", "port": "out"}),
                                                   "target": g.edges[2].target.model_copy(update={"node": "a", "port": "in2"})}))
    r = check(g)
    assert {i.node for i in r.issues if "cycle" in i.message} == {"a", "b"}


def _layers_computed(graph: Graph) -> tuple[CheckResult, int]:
    """check(graph), and how many layer nodes it computed rather than took from the cache."""
    before = infer._LAYER_CACHE.misses
    result = check(graph)
    return result, infer._LAYER_CACHE.misses - before


@pytest.mark.parametrize("shape", [["B", 3, 32, 32], [4, 3, 32, 32]])
def test_edit_recomputes_only_the_node_and_what_it_changes(shape: list[Any]) -> None:
    infer.clear_caches()
    g = chain(LENET, shape)
    first, computed = _layers_computed(g)
    assert computed == len(LENET)
    _, computed = _layers_computed(g)
    assert computed == 0  # nothing changed

    # conv2 gets 8 channels: it and everything downstream see new shapes; conv1..pool1 do not.
    g.nodes[4].params["out_channels"] = 8  # type: ignore[union-attr]
    second, computed = _layers_computed(g)
    assert computed == len(["conv2", "relu2", "pool2", "flat", "fc1"])
    assert second.nodes["fc1"].inferred == {"in_features": 8 * 5 * 5}
    assert first.nodes["pool1"] == second.nodes["pool1"]

    # A param that leaves conv2's output shape alone: only conv2 is computed again.
    g.nodes[4].params["bias"] = False  # type: ignore[union-attr]
    third, computed = _layers_computed(g)
    assert computed == 1
    assert third.nodes["conv2"].params == 8 * 6 * 25
    assert third.nodes["fc1"] == second.nodes["fc1"]


def test_a_catalog_bug_is_raised_not_shown_as_a_red_node(monkeypatch: pytest.MonkeyPatch) -> None:
    # A param the catalog declares but torch does not take: torch raises TypeError in instantiate(),
    # which the check must not turn into a message on the user's node.
    softmax = catalog().layers["Softmax"]
    assert "Softmax" not in rules.RULES  # so the meta device, not a closed-form rule, computes it
    broken = softmax.model_copy(update={"params": [*softmax.params, ParamSpec(name="bogus", type="int", default=1)]})
    monkeypatch.setattr(infer, "layer_spec", lambda t: broken if t == "Softmax" else layer_spec(t))
    infer.clear_caches()
    with pytest.raises(TypeError, match="bogus"):
        check(chain([("act", "Softmax", {"dim": 1})], ["B", 4]))
    infer.clear_caches()
