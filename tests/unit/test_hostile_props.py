"""Property-based: any document mutated from examples/ gets a documented answer, never a crash.

Check, codegen and ONNX export may refuse a document only with pydantic's ValidationError (the
schema), GraphError (located issues) or LimitExceeded (torchcanvas.limits); anything else would
be a 500. Mutations: params given huge, negative, non-finite or oddly typed values; edges moved
to ports that may not exist; names that clash with Python or with the generated code; odd input
shapes; other training choices with hostile params.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from torchcanvas.catalog import catalog
from torchcanvas.codegen import export_onnx, generate
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.limits import LimitExceeded, Limits
from torchcanvas.shapes import check

EXAMPLES = {p.stem: json.loads(p.read_text()) for p in sorted((Path(__file__).parents[2] / "examples").glob("*.json"))}
# Small bounds keep every example fast; they are still refusals to survive.
LIMITS = Limits(max_module_instances=2_000, max_tensor_elements=5_000_000, max_total_params=20_000_000,
                max_image_pixels=128 * 128, max_onnx_bytes=20_000_000)
DOCUMENTED = (ValidationError, GraphError, LimitExceeded)

huge_ints = st.sampled_from([10**400, -(10**400), 2**63, 2**63 - 1, -(2**63) - 1, 2**64, 10**12, -1, 0])
odd_floats = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0, 1.5])
scalars = st.one_of(huge_ints, odd_floats, st.integers(-5, 70), st.booleans(), st.none(),
                    st.sampled_from(["", "same", "../../etc", "/abs", "zeros'); import os #", "ＤａｔａＬｏａｄｅｒ", "\x00"]))
values = st.one_of(scalars, st.lists(scalars, max_size=5), st.dictionaries(st.sampled_from(["a", "b"]), scalars, max_size=2))
names = st.sampled_from(["DataLoader", "ＤａｔａＬｏａｄｅｒ", "SummaryWriter", "Dataset", "ImageArrays", "nn", "torch", "F",
                         "self", "forward", "class", "__init__", "Net", "model", "x", "1abc", "ñ", "a" * 100])
ports = st.sampled_from(["out", "in", "in0", "in1", "out0", "out1", "x", "y", "nope", "h_n", "indices", "in2"])
dims = st.one_of(st.integers(1, 70), st.sampled_from([1_000_000, 0, -3, "B", "T", "b", 1.5, None, 10**400]))


def _mutate_params(data: st.DataObject, doc: dict[str, Any]) -> None:
    layers = [n for n in doc["nodes"] if n["kind"] == "layer"]
    if not layers:
        return
    node = data.draw(st.sampled_from(layers))
    spec = catalog().layers.get(node["type"])
    known = [p.name for p in spec.params] if spec else []
    name = data.draw(st.sampled_from([*known, "bogus", "__class__"]))
    node.setdefault("params", {})[name] = data.draw(values)


def _mutate_port(data: st.DataObject, doc: dict[str, Any]) -> None:
    if doc["edges"]:
        edge = data.draw(st.sampled_from(doc["edges"]))
        edge[data.draw(st.sampled_from(["source", "target"]))]["port"] = data.draw(ports)


def _mutate_name(data: st.DataObject, doc: dict[str, Any]) -> None:
    target = data.draw(st.sampled_from(["graph", "node", "module"]))
    if target == "graph":
        doc["name"] = data.draw(names)
    elif target == "node" and doc["nodes"]:
        data.draw(st.sampled_from(doc["nodes"]))["name"] = data.draw(names)
    elif doc.get("modules"):
        old = data.draw(st.sampled_from(doc["modules"]))
        new = data.draw(names)
        for n in doc["nodes"]:
            if n.get("module") == old["name"]:
                n["module"] = new
        old["name"] = new


def _mutate_shape(data: st.DataObject, doc: dict[str, Any]) -> None:
    inputs = [n for n in doc["nodes"] if n["kind"] == "input"]
    if inputs:
        node = data.draw(st.sampled_from(inputs))
        i = data.draw(st.integers(0, len(node["shape"])))
        node["shape"][i:i + 1] = [data.draw(dims)]


def _mutate_training(data: st.DataObject, doc: dict[str, Any]) -> None:
    c = catalog()
    t = doc.setdefault("training", {})
    field = data.draw(st.sampled_from(["dataset", "loss", "optimizer", "scheduler", "train_transforms", "test_transforms"]))
    table = {"dataset": c.datasets, "loss": c.losses, "optimizer": c.optimizers, "scheduler": c.schedulers}.get(field, c.transforms)
    type_ = data.draw(st.sampled_from(sorted(table)))
    spec = table[type_]
    params = {}
    for p in spec.params:
        if data.draw(st.booleans()):
            params[p.name] = data.draw(st.one_of(values, st.just(p.example), st.just(p.default)))
    choice = {"type": type_, "params": params}
    if field.endswith("transforms"):
        t.setdefault(field, []).append(choice)
    else:
        t[field] = choice


MUTATIONS = [_mutate_params, _mutate_port, _mutate_name, _mutate_shape, _mutate_training]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    data = draw(st.data())
    for mutate in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        mutate(data, doc)
    return doc


def _graph(doc: dict[str, Any]) -> Graph | None:
    try:
        return Graph.model_validate(doc)
    except ValidationError:
        return None


PROPS = settings(max_examples=150, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow],
                 derandomize=True)


@PROPS
@given(mutated())
def test_check_and_codegen_answer_every_mutated_example(doc: dict[str, Any]) -> None:
    graph = _graph(doc)
    if graph is None:
        return
    try:
        result = check(graph, LIMITS)
    except LimitExceeded:
        return
    try:
        files = generate(graph, LIMITS)
    except (GraphError, LimitExceeded):
        assert not (result.ok and not result.issues), "a clean check must mean the code can be generated"
        return
    assert result.ok
    compile(files["model.py"], "model.py", "exec")
    compile(files["train.py"], "train.py", "exec")


@settings(max_examples=20, deadline=timedelta(seconds=20), suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(mutated())
def test_onnx_export_answers_every_small_mutated_example(doc: dict[str, Any]) -> None:
    graph = _graph(doc)
    if graph is None:
        return
    try:
        if check(graph, LIMITS).total_params > 200_000:
            return  # exporting a large model is slow; its bound is tested in test_limits.py
        data = export_onnx(graph, limits=LIMITS)
    except (GraphError, LimitExceeded):
        return
    assert data[:2]  # a protobuf
