"""Every graph document in examples/ checks cleanly, generates code that runs, and that code agrees
with the in-memory model (``build_model``) and with the shapes the check reports.

The helpers here (loading a graph, importing its generated model.py, copying weights by order)
are also used by test_seed_models.py.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor, nn

from tests.codegen_utils import random_inputs
from torchcanvas.catalog import catalog, layer_spec, op, resolve_params
from torchcanvas.codegen import generate, model_class_name
from torchcanvas.graph.model import Graph, InputNode, LayerNode, ModuleNode
from torchcanvas.shapes import analyze, build_model, check
from torchcanvas.shapes.infer import BodyAnalysis
from torchcanvas.shapes.result import CheckResult, NodeResult

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json"))


# --- helpers -----------------------------------------------------------------------------------------


def load_graph(name_or_path: str | Path) -> Graph:
    path = name_or_path if isinstance(name_or_path, Path) else EXAMPLES_DIR / f"{name_or_path}.json"
    return Graph.model_validate_json(path.read_text())


def load_generated(graph: Graph, directory: Path) -> nn.Module:
    """Write the generated files to ``directory``, import model.py under a unique module name and
    build the top-level class with no arguments."""
    files = generate(graph)
    assert "model.py" in files, f"generate() returned {sorted(files)}"
    for name, text in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    compile(files["model.py"], str(directory / "model.py"), "exec")  # a SyntaxError names the line

    module_name = f"tc_generated_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(module_name, directory / "model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up here
    sys.path.insert(0, str(directory))  # in case model.py imports a sibling file
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(directory))
    class_name = model_class_name(graph)
    assert hasattr(module, class_name), f"model.py defines no class {class_name!r}"
    model = getattr(module, class_name)()
    assert isinstance(model, nn.Module)
    return model


def concrete(shape: Sequence[int | str], batch: int) -> list[int]:
    assert all(d == "B" or isinstance(d, int) for d in shape), f"unexpected symbol in {shape}"
    return [batch if d == "B" else int(d) for d in shape]


def flatten(out: Any) -> list[Tensor | None]:
    """A module's output as a flat list: LSTM's (out, (h_n, c_n)) becomes [out, h_n, c_n], which is
    the order of its ports."""
    if isinstance(out, Tensor) or out is None:
        return [out]
    if isinstance(out, tuple | list):
        return [t for o in out for t in flatten(o)]
    raise TypeError(f"unexpected module output {type(out).__name__}")


def copy_weights(src: nn.Module, dst: nn.Module) -> None:
    """Copy parameters and buffers by registration order (names may differ, shapes may not)."""
    assert_same_layout(src, dst)
    with torch.no_grad():
        for s, d in zip(src.parameters(), dst.parameters(), strict=True):
            d.copy_(s)
        for s, d in zip(src.buffers(), dst.buffers(), strict=True):
            d.copy_(s)


def assert_same_layout(expected: nn.Module, actual: nn.Module) -> None:
    want = [tuple(p.shape) for p in expected.parameters()]
    got = [tuple(p.shape) for p in actual.parameters()]
    assert got == want, f"parameter shapes in registration order differ:\n got  {got}\n want {want}"
    want_b = [tuple(b.shape) for b in expected.buffers()]
    got_b = [tuple(b.shape) for b in actual.buffers()]
    assert got_b == want_b, f"buffer shapes in registration order differ:\n got  {got_b}\n want {want_b}"


def assert_identical(actual: Any, expected: Any) -> None:
    a, e = flatten(actual), flatten(expected)
    assert len(a) == len(e), f"{len(a)} outputs, expected {len(e)}"
    for x, y in zip(a, e, strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=0)


def output_ports(graph: Graph, node: LayerNode | ModuleNode) -> list[str]:
    if isinstance(node, ModuleNode):
        definition = graph.module(node.module)
        assert definition is not None
        return [o.id for o in definition.outputs()]
    spec = layer_spec(node.type)
    assert spec is not None, node.type
    params, _ = resolve_params(spec, node.params)
    return spec.output_ports(params)


def hook_points(graph: Graph, result: CheckResult) -> list[tuple[str, LayerNode | ModuleNode, NodeResult]]:
    """(submodule path, node, its check result) for every layer and module node of the graph, and
    for the nodes inside each module definition's first instance (the one the check reports in
    ``result.modules``), e.g. ``block1.cba1.conv``.

    A node's attribute name is ``NodeInfo.attr`` from the shared analysis: the node id for ids
    such as conv1, a snake_case form of the display name when the node has one."""
    points: list[tuple[str, LayerNode | ModuleNode, NodeResult]] = []
    walked: set[str] = set()

    def walk(body: BodyAnalysis, prefix: str, results: dict[str, NodeResult]) -> None:
        for node in body.topo.order:
            if not isinstance(node, LayerNode | ModuleNode):
                continue
            info = body.infos[node.id]
            assert node.id in results, f"the check reports nothing for node {prefix + info.attr!r}"
            points.append((prefix + info.attr, node, results[node.id]))
            if isinstance(node, ModuleNode) and node.module not in walked:
                walked.add(node.module)
                assert info.body is not None
                assert node.module in result.modules, f"the check reports nothing inside module {node.module!r}"
                walk(info.body, f"{prefix}{info.attr}.", result.modules[node.module])

    walk(analyze(graph).top, "", result.nodes)
    return points


def record_outputs(model: nn.Module, paths: list[str], required: set[str]) -> dict[str, list[Tensor | None]]:
    """Forward hooks on the submodules at ``paths``; returns the dict they fill. A path in
    ``required`` must exist; others are skipped when absent."""
    seen: dict[str, list[Tensor | None]] = {}
    for path in paths:
        try:
            sub = model.get_submodule(path)
        except AttributeError:
            if path in required:
                pytest.fail(
                    f"{type(model).__name__} has no submodule {path!r}: the test finds each node's layer "
                    f"as model.get_submodule(NodeInfo.attr), nested as '<module attr>.<inner attr>'"
                )
            continue
        sub.register_forward_hook(lambda _m, _args, out, path=path: seen.__setitem__(path, flatten(out)))
    return seen


def assert_shapes_match(
    graph: Graph, node: LayerNode | ModuleNode, path: str, outs: list[Tensor | None], checked: NodeResult, batch: int
) -> None:
    ports = output_ports(graph, node)
    assert len(outs) == len(ports), f"{path}: the module returned {len(outs)} tensors for ports {ports}"
    assert set(checked.outputs) <= set(ports), f"{path}: the check reports ports {sorted(checked.outputs)}, not {ports}"
    for port, t in zip(ports, outs, strict=True):
        if port in checked.outputs and t is not None:
            assert list(t.shape) == concrete(checked.outputs[port], batch), (
                f"{path}.{port}: real shape {list(t.shape)}, the check says {checked.outputs[port]}"
            )


def final_output_shapes(graph: Graph, result: CheckResult) -> list[list[int | str]]:
    """The check's shape for each output node, in output-node order (read off the feeding port)."""
    feeding = {e.target.node: e.source for e in graph.edges}
    inputs = {n.id: list(n.shape) for n in graph.inputs()}
    shapes = []
    for node in graph.outputs():
        src = feeding[node.id]
        shapes.append(inputs[src.node] if src.node in inputs else result.nodes[src.node].outputs[src.port])
    return shapes


# --- tests -------------------------------------------------------------------------------------------

example = pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])


def test_there_are_examples() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"seed_mlp_weight_decay", "seed_mlp_dropout", "seed_dropout_scale", "seed_lenet", "seed_lenet_bn"} <= names


@example
def test_example_checks_with_no_issues(path: Path) -> None:
    graph = load_graph(path)
    result = check(graph)
    assert result.ok, "\n".join(f"{i.module or ''}.{i.node}: {i.message} ({i.fix})" for i in result.issues)
    assert result.issues == []
    for node in graph.nodes:
        if not isinstance(node, InputNode):
            assert node.id in result.nodes, f"no result for node {node.id!r}"


@example
def test_example_training_config_names_catalog_entries(path: Path) -> None:
    training = load_graph(path).training
    cat = catalog()
    for kind, choice, table in (
        ("dataset", training.dataset, cat.datasets),
        ("loss", training.loss, cat.losses),
        ("optimizer", training.optimizer, cat.optimizers),
    ):
        assert choice.type in table, f"{kind} {choice.type!r} is not in the catalog ({sorted(table)})"
        _, errors = resolve_params(table[choice.type], choice.params)
        assert not errors, f"{kind} {choice.type}: {errors}"


@example
def test_generated_model_compiles_and_builds(path: Path, tmp_path: Path) -> None:
    graph = load_graph(path)
    model = load_generated(graph, tmp_path)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == check(graph).total_params


@example
def test_generated_code_matches_in_memory_model(path: Path, tmp_path: Path) -> None:
    graph = load_graph(path)
    torch.manual_seed(0)
    reference = build_model(graph).eval()
    generated = load_generated(graph, tmp_path).eval()
    copy_weights(reference, generated)  # asserts the same parameter and buffer shapes, in order
    inputs = random_inputs(graph, batch=2)
    with torch.no_grad():
        assert_identical(generated(*inputs), reference(*inputs))


@example
def test_inferred_shapes_are_the_real_shapes(path: Path) -> None:
    """Every node's output in the in-memory model, run with B=3, has the shape the check reports."""
    graph = load_graph(path)
    result = check(graph)
    points = hook_points(graph, result)
    model = build_model(graph).eval()
    seen = record_outputs(model, [p for p, _, _ in points], required={p for p, _, _ in points})
    with torch.no_grad():
        outs = flatten(model(*random_inputs(graph, batch=3)))
    for path, node, checked in points:
        assert path in seen, f"node {path!r} never ran"
        assert_shapes_match(graph, node, path, seen[path], checked, batch=3)
    assert [list(t.shape) for t in outs if t is not None] == [
        concrete(s, 3) for s in final_output_shapes(graph, result)
    ]


@example
def test_generated_model_has_the_checked_shapes(path: Path, tmp_path: Path) -> None:
    """The generated model, run with B=3, gives the check's output shapes; and its layers, found by
    node id (``self.conv1`` for node conv1), give the check's per-node shapes. Layers with weights
    and module instances must be attributes named after their node; stateless layers (a ReLU
    written as F.relu) and graph ops may be plain expressions."""
    graph = load_graph(path)
    result = check(graph)
    points = [p for p in hook_points(graph, result) if not (isinstance(p[1], LayerNode) and op(p[1].type))]
    required = {p for p, node, checked in points if isinstance(node, ModuleNode) or checked.params > 0}
    generated = load_generated(graph, tmp_path).eval()
    seen = record_outputs(generated, [p for p, _, _ in points], required)
    with torch.no_grad():
        outs = flatten(generated(*random_inputs(graph, batch=3)))
    assert [list(t.shape) for t in outs if t is not None] == [
        concrete(s, 3) for s in final_output_shapes(graph, result)
    ]
    for path, node, checked in points:
        if path in seen:
            assert_shapes_match(graph, node, path, seen[path], checked, batch=3)
    assert required <= set(seen), f"layers that never ran: {sorted(required - set(seen))}"
