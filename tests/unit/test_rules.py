"""The closed-form rules agree with the meta device: shapes, parameter counts and FLOPs."""

from __future__ import annotations

import random

import pytest

from tests.codegen_utils import example_params
from torchcanvas.catalog import catalog, layer_spec, resolve_params
from torchcanvas.shapes import rules
from torchcanvas.shapes.infer import BATCH, TensorMeta, _meta_compute

RULE_LAYERS = sorted(t for t in rules.RULES if t in catalog().layers)


def _both(layer_type: str, params: dict, shapes: list[tuple[int, ...]]):
    spec = layer_spec(layer_type)
    resolved, errors = resolve_params(spec, params)
    assert not errors
    for p in spec.params:  # fill inferable params the way the check does
        if p.infer and p.name not in resolved:
            d = shapes[0][p.infer.dim]
            resolved[p.name] = [d] if p.infer.as_list else d
    ins = [TensorMeta(s) for s in shapes]
    n_out = len(spec.output_ports(resolved))
    try:
        fast = rules.RULES[layer_type](resolved, list(shapes))
    except rules.NotHandled:
        fast = None
    meta = _meta_compute(spec, resolved, ins, n_out)
    return fast, meta


def _assert_same(fast, meta) -> None:
    if fast is None:
        return  # the meta device decides
    assert meta.error is None, meta.error
    shapes, n_params, flops = fast
    assert [m.shape for m in meta.outputs] == shapes
    assert n_params == meta.n_params
    assert flops == meta.flops


def test_every_rule_has_a_catalog_layer() -> None:
    assert set(rules.RULES) <= set(catalog().layers)


@pytest.mark.parametrize("layer_type", RULE_LAYERS)
def test_rule_matches_meta_at_example(layer_type: str) -> None:
    spec = layer_spec(layer_type)
    shapes = [tuple(BATCH if d == "B" else d for d in s) for s in spec.example_inputs.values()]
    fast, meta = _both(layer_type, example_params(spec), shapes)
    assert fast is not None, "the rule should handle its own example"
    _assert_same(fast, meta)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("kind", ["Conv", "ConvTranspose"])
def test_conv_rules_random(kind: str, d: int) -> None:
    rng = random.Random(d)
    for _ in range(40):
        groups = rng.choice([1, 2])
        params = {
            "out_channels": rng.choice([2, 4, 6]),
            "kernel_size": [rng.randint(1, 4) for _ in range(d)],
            "stride": rng.randint(1, 3),
            "dilation": rng.randint(1, 2),
            "groups": groups,
            "bias": rng.random() < 0.5,
        }
        if kind == "Conv":
            params["padding"] = rng.choice([0, 1, 2, "same", "valid"])
            if params["padding"] == "same":
                params["stride"] = 1
        else:
            params["padding"] = rng.randint(0, 1)
            params["output_padding"] = rng.randint(0, 1)
        shape = (BATCH, rng.choice([2, 4]), *[rng.randint(5, 12) for _ in range(d)])
        fast, meta = _both(f"{kind}{d}d", params, [shape])
        if fast is None:
            continue
        _assert_same(fast, meta)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("kind", ["MaxPool", "AvgPool"])
def test_pool_rules_random(kind: str, d: int) -> None:
    rng = random.Random(10 + d)
    for _ in range(40):
        k = rng.randint(1, 4)
        params = {"kernel_size": k, "stride": rng.choice([None, 1, 2, 3]), "padding": rng.randint(0, k // 2),
                  "ceil_mode": rng.random() < 0.5}
        if kind == "MaxPool":
            params["dilation"] = rng.randint(1, 2)
        shape = (BATCH, 3, *[rng.randint(4, 11) for _ in range(d)])
        fast, meta = _both(f"{kind}{d}d", params, [shape])
        if fast is None:
            continue
        _assert_same(fast, meta)


@pytest.mark.parametrize("layer_type", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("batch_first,bidirectional,layers,bias", [
    (False, False, 1, True), (True, True, 2, False), (True, False, 3, True), (False, True, 1, False),
])
def test_recurrent_rules(layer_type: str, batch_first: bool, bidirectional: bool, layers: int, bias: bool) -> None:
    params = {"input_size": 6, "hidden_size": 8, "num_layers": layers, "batch_first": batch_first,
              "bidirectional": bidirectional, "bias": bias}
    shape = (BATCH, 5, 6) if batch_first else (5, BATCH, 6)
    fast, meta = _both(layer_type, params, [shape])
    assert fast is not None
    _assert_same(fast, meta)
    if layer_type == "LSTM":
        fast, meta = _both(layer_type, {**params, "proj_size": 3}, [shape])
        assert fast is not None
        _assert_same(fast, meta)


def test_a_long_sequence_costs_no_more_than_a_short_one() -> None:
    # The meta device runs a recurrent layer step by step: 10,000 steps took minutes.
    got = rules.RULES["LSTM"]({"input_size": 8, "hidden_size": 16, "num_layers": 1, "batch_first": True,
                               "bidirectional": False, "bias": True, "proj_size": 0}, [(BATCH, 1_000_000, 8)])
    assert got[0][0] == (BATCH, 1_000_000, 16)
