"""model.py rendering: ruff's layout, naming, chains as nn.Sequential, and the CLI."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.codegen_utils import import_source, single_layer_graph
from torchcanvas.catalog import catalog
from torchcanvas.codegen import generate_model_py, model_class_name
from torchcanvas.codegen.model_py import render_model_py
from torchcanvas.codegen.render import _RUFF, LINE_LENGTH
from torchcanvas.graph.model import Graph
from torchcanvas.shapes import analyze

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def _ruff_format(source: str) -> str:
    assert _RUFF is not None
    done = subprocess.run([_RUFF, "format", "--isolated", "--line-length", str(LINE_LENGTH), "-"],
                          input=source, capture_output=True, text=True, check=True)
    return done.stdout


def _graphs() -> list[Graph]:
    graphs = [Graph.model_validate_json(p.read_text()) for p in EXAMPLES]
    # (a Parameter has no input, so no graph of its own: tests/unit/test_layers.py builds one)
    graphs += [single_layer_graph(spec) for spec in catalog().layers.values() if spec.inputs or spec.variadic_inputs]
    return graphs


def test_emitter_writes_ruff_layout() -> None:
    """The premise that lets codegen skip ruff: what we emit is already formatted."""
    for graph in _graphs():
        source = render_model_py(analyze(graph))
        if all(len(line) <= LINE_LENGTH for line in source.splitlines()):
            assert _ruff_format(source) == source, graph.name


def test_plain_chain_is_sequential(tmp_path: Path) -> None:
    graph = Graph.model_validate_json((ROOT / "examples" / "seed_lenet_bn.json").read_text())
    source = generate_model_py(graph)
    assert f"class {model_class_name(graph)}(nn.Sequential):" in source
    assert "self.conv1 = nn.Conv2d(3, 6, 5)  # (B, 6, 28, 28)" in source
    assert "self.fc1 = nn.Linear(400, 120)  # (B, 120)" in source
    assert "def forward" not in source


def test_branches_get_an_explicit_forward() -> None:
    graph = Graph.model_validate_json((ROOT / "examples" / "resnet_basic_block.json").read_text())
    source = generate_model_py(graph)
    assert "def forward(self, image):" in source
    assert " + " in source  # the residual Add, inline


@pytest.mark.parametrize("name,expected", [
    ("LeNet_bn", "LeNet_bn"), ("my model", "MyModel"), ("class", "Class"), ("3d net", "Net3dNet"), ("Модель", "Net"),
])
def test_class_names(name: str, expected: str) -> None:
    graph = Graph.model_validate({"name": name})
    assert model_class_name(graph) == expected


def test_duplicate_and_reserved_names_are_made_unique(tmp_path: Path) -> None:
    nodes = [{"id": "x", "kind": "input", "shape": ["B", 4]}]
    for i, name in enumerate(["fc", "fc", "forward", "training", "for", "1st layer"]):
        nodes.append({"id": f"n{i}", "kind": "layer", "type": "Linear", "name": name, "params": {"out_features": 4}})
    nodes.append({"id": "y", "kind": "output"})
    ids = [n["id"] for n in nodes]
    edges = [{"source": {"node": a}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)]
    graph = Graph.model_validate({"nodes": nodes, "edges": edges})
    module = import_source(generate_model_py(graph), tmp_path)
    model = getattr(module, model_class_name(graph))()
    names = [n for n, _ in model.named_children()]
    assert names == ["fc", "fc1", "forward1", "training1", "for1", "layer_1st_layer"]


def test_cli_check_and_codegen(tmp_path: Path) -> None:
    example = ROOT / "examples" / "seed_lenet_bn.json"
    done = subprocess.run([sys.executable, "-m", "torchcanvas.cli", "check", str(example)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "(B, 16, 5, 5)" in done.stdout and "total:" in done.stdout

    bad = json.loads(example.read_text())
    fc1 = next(n for n in bad["nodes"] if n["id"] == "fc1")
    fc1["params"]["in_features"] = 256
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    done = subprocess.run([sys.executable, "-m", "torchcanvas.cli", "check", str(path)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "fc1 [in_features]: Linear 'fc1' expects 256 input features but receives 400" in done.stderr

    out = tmp_path / "project"
    done = subprocess.run([sys.executable, "-m", "torchcanvas.cli", "codegen", str(example), "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "model.py", "requirements.txt", "train.py"]

    done = subprocess.run([sys.executable, "-m", "torchcanvas.cli", "export-onnx", str(example), "-o", str(tmp_path / "m.onnx")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import onnx

    model = onnx.load(str(tmp_path / "m.onnx"))
    onnx.checker.check_model(model)
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


@pytest.mark.parametrize("example", [p.name for p in EXAMPLES])
def test_every_example_exports_to_onnx(example: str) -> None:
    import onnx

    from torchcanvas.codegen import export_onnx

    graph = Graph.model_validate_json((ROOT / "examples" / example).read_text())
    model = onnx.load_from_string(export_onnx(graph))
    onnx.checker.check_model(model)
    assert len(model.graph.output) == len(graph.outputs())


def _module(name: str, inner: list[tuple[str, str, dict]]) -> dict:
    """A chain module definition: in -> inner nodes -> out (("module:X", ...) for module nodes)."""
    nodes: list[dict] = [{"id": "in", "kind": "input", "shape": ["B", 4, 8, 8]}]
    for nid, typ, params in inner:
        if typ.startswith("module:"):
            nodes.append({"id": nid, "kind": "module", "module": typ.split(":")[1]})
        else:
            nodes.append({"id": nid, "kind": "layer", "type": typ, "params": params})
    nodes.append({"id": "out", "kind": "output"})
    ids = [n["id"] for n in nodes]
    edges = [{"source": {"node": a, "port": "out"}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)]
    return {"name": name, "nodes": nodes, "edges": edges}


def test_module_used_at_different_widths_gets_arguments(tmp_path: Path) -> None:
    """A block reused where the input has other channels: its inferred params become arguments."""
    conv_bn = _module("ConvBn", [("conv", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
                                 ("bn", "BatchNorm2d", {})])
    block = _module("Block", [("a", "module:ConvBn", {}), ("b", "module:ConvBn", {})])
    top = _module("Net", [("b1", "module:Block", {}), ("widen", "Conv2d", {"out_channels": 16, "kernel_size": 1}),
                          ("b2", "module:Block", {}), ("b3", "module:Block", {})])
    top["nodes"][0]["shape"] = ["B", 3, 8, 8]
    graph = Graph.model_validate({**top, "modules": [conv_bn, block]})
    from torchcanvas.shapes import build_model, check

    assert check(graph).ok
    source = generate_model_py(graph)
    assert "class ConvBn(nn.Sequential):\n    def __init__(self, in_channels=3):" in source
    assert "self.conv = nn.Conv2d(in_channels, 8, 3, padding=1)" in source
    assert "class Block(nn.Sequential):\n    def __init__(self, in_channels=3):" in source
    assert "self.a = ConvBn(in_channels=in_channels)" in source
    assert "self.b = ConvBn(in_channels=8)" in source
    assert "self.b1 = Block()" in source
    assert "self.b2 = Block(in_channels=16)" in source
    module = import_source(source, tmp_path)
    generated = getattr(module, model_class_name(graph))()
    reference = build_model(graph)
    assert [(n, p.shape) for n, p in generated.named_parameters()] == [(n, p.shape) for n, p in reference.named_parameters()]
    generated.load_state_dict(reference.state_dict())
    import torch

    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(generated.eval()(x), reference.eval()(x), rtol=0, atol=0)


def test_editor_ids_become_engineer_names() -> None:
    """Unnamed layers with the editor's ids (conv2d_1, relu_1) are called conv1, relu1, fc1 in code."""
    types = [("conv2d_1", "Conv2d", {"out_channels": 4, "kernel_size": 3}), ("relu_1", "ReLU", {}),
             ("flatten_1", "Flatten", {}), ("linear_1", "Linear", {"out_features": 2}), ("fc_head", "Linear", {"out_features": 2})]
    nodes = [{"id": "x", "kind": "input", "shape": ["B", 1, 5, 5]}]
    nodes += [{"id": i, "kind": "layer", "type": t, "params": p} for i, t, p in types]
    nodes.append({"id": "y", "kind": "output"})
    ids = [n["id"] for n in nodes]
    edges = [{"source": {"node": a}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)]
    source = generate_model_py(Graph.model_validate({"nodes": nodes, "edges": edges}))
    for line in ("self.conv1 = nn.Conv2d(1, 4, 3)", "self.relu1 = nn.ReLU()", "self.flatten1 = nn.Flatten()",
                 "self.fc1 = nn.Linear(36, 2)", "self.fc_head = nn.Linear(2, 2)"):
        assert line in source, line


def test_layers_are_registered_in_document_order(tmp_path: Path) -> None:
    """x→conv1→bn1→add and x→shortcut→add: model.py registers conv1, bn1, shortcut (the document's
    order, as the source declared them), not breadth-first (conv1, shortcut, bn1)."""
    nodes = [{"id": "x", "kind": "input", "shape": ["B", 4, 8, 8]},
             {"id": "conv1", "kind": "layer", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3, "padding": 1}},
             {"id": "bn1", "kind": "layer", "type": "BatchNorm2d"},
             {"id": "shortcut", "kind": "layer", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 1}},
             {"id": "add", "kind": "layer", "type": "Add"},
             {"id": "y", "kind": "output"}]
    pairs = [("x", "out", "conv1", "in"), ("conv1", "out", "bn1", "in"), ("x", "out", "shortcut", "in"),
             ("bn1", "out", "add", "in0"), ("shortcut", "out", "add", "in1"), ("add", "out", "y", "in")]
    edges = [{"source": {"node": a, "port": p}, "target": {"node": b, "port": q}} for a, p, b, q in pairs]
    graph = Graph.model_validate({"nodes": nodes, "edges": edges})
    from torchcanvas.shapes import build_model

    expected = ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "bn1.num_batches_tracked", "shortcut.weight", "shortcut.bias"]
    assert list(build_model(graph).state_dict()) == expected
    generated = getattr(import_source(generate_model_py(graph), tmp_path), model_class_name(graph))()
    assert list(generated.state_dict()) == expected


def test_a_long_description_wraps_between_words() -> None:
    from torchcanvas.codegen.render import comment, comment_lines

    text = "The seed's LeNet_bn: LeNet with BatchNorm after conv1, conv2 (2d) and fc1 (1d), for two classes."
    lines = comment_lines(text, width=60)
    assert " ".join(lines) == text and all(len(x) <= 60 for x in lines)
    long = comment_lines("word " * 200, width=40, max_lines=3)
    assert len(long) == 3 and long[-1].endswith("word...")
    assert comment("for two classes and more", 14) == "for two..."  # never "for two cla..."


@pytest.mark.parametrize(
    ("name", "attr"),
    [(None, "conv1"), ("features", "features"), ("Stem Conv", "stem_conv"), ("class", "class1"), ("fc1", "fc1")],
)
def test_the_checked_name_is_the_code_name(name: str | None, attr: str) -> None:
    """The editor shows the check's `attr` by the Name field: it is what model.py calls the layer,
    `self.<attr>`, whether the node is named (as typed, or made a legal unique identifier) or not."""
    from torchcanvas.shapes import check

    nodes = [{"id": "x", "kind": "input", "shape": ["B", 1, 5, 5]},
             {"id": "conv2d_1", "kind": "layer", "type": "Conv2d", "name": name, "params": {"out_channels": 4, "kernel_size": 3}},
             {"id": "linear_1", "kind": "layer", "type": "Flatten"},
             {"id": "y", "kind": "output"}]
    ids = [n["id"] for n in nodes]
    edges = [{"source": {"node": a}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)]
    graph = Graph.model_validate({"nodes": nodes, "edges": edges})
    result = check(graph)
    assert result.nodes["conv2d_1"].attr == attr
    assert result.nodes["x"].attr == "x"
    source = generate_model_py(graph)
    assert f"self.{attr} = nn.Conv2d(1, 4, 3)" in source


@pytest.mark.parametrize("example", [p.stem for p in EXAMPLES])
def test_every_layers_checked_name_is_in_its_model_py(example: str) -> None:
    """Differential: over every example (named, unnamed, modules), each layer's and module
    instance's `attr` in the check result is a `self.<attr> =` line of its class in model.py."""
    from torchcanvas.shapes import check

    graph = Graph.model_validate_json((ROOT / "examples" / f"{example}.json").read_text())
    result = check(graph)
    source = generate_model_py(graph)
    spec = catalog().layers
    for body, results in [(graph, result.nodes), *((m, result.modules.get(m.name, {})) for m in graph.modules)]:
        for n in body.nodes:
            if n.kind == "module" or (n.kind == "layer" and not spec[n.type].is_op and n.type != "Parameter"):
                attr = results[n.id].attr
                assert f"self.{attr} = " in source or f'self.add_module("{attr}"' in source, (n.id, attr)
