"""A hostile-document corpus: clear errors, no code execution, no crash."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.codegen_utils import import_source
from torchcanvas.codegen import generate, model_class_name
from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.shapes import check

MARKER = Path("/tmp/torchcanvas-pwned")
PAYLOADS = [
    "x'); import os; os.system('touch /tmp/torchcanvas-pwned') #",
    '"""\nimport os\nos.system("touch /tmp/torchcanvas-pwned")\n"""',
    "__import__('os').system('touch /tmp/torchcanvas-pwned')",
    "fc\r\nimport os\u2028os.system('touch /tmp/torchcanvas-pwned')",
    "class\x00def\x1b[31m",
    "forward",
    "self",
    "Ωμέγα-слой 層",
]


def mlp(name: str = "Net", layer_name: str | None = None, **training: Any) -> dict[str, Any]:
    return {
        "name": name,
        "nodes": [
            {"id": "x", "kind": "input", "shape": ["B", 2]},
            {"id": "fc1", "kind": "layer", "type": "Linear", "name": layer_name, "params": {"out_features": 2}},
            {"id": "fc2", "kind": "layer", "type": "Linear", "name": layer_name, "params": {"out_features": 2}},
            {"id": "y", "kind": "output"},
        ],
        "edges": [
            {"source": {"node": "x"}, "target": {"node": "fc1", "port": "in"}},
            {"source": {"node": "fc1"}, "target": {"node": "fc2", "port": "in"}},
            {"source": {"node": "fc2"}, "target": {"node": "y", "port": "in"}},
        ],
        "training": {"dataset": {"type": "Moons"}, "loss": {"type": "CrossEntropyLoss"}, **training},
    }


def assert_inert(source: str) -> None:
    """Only our own imports, and no call that could run a payload."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert all(n.split(".")[0] in {"torch", "torchvision", "argparse", "json", "math", "os", "pathlib", "random",
                                               "time", "tqdm", "numpy", "sklearn", "skimage", "model", "PIL"}
                       for n in names), names
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"eval", "exec", "__import__", "compile"}
        if isinstance(node, ast.Attribute):
            assert node.attr != "system"


@pytest.fixture(autouse=True)
def no_marker():
    MARKER.unlink(missing_ok=True)
    yield
    assert not MARKER.exists(), "a payload ran"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_names_cannot_inject_code(payload: str, tmp_path: Path) -> None:
    doc = mlp(name=payload[:100], layer_name=payload[:100])
    graph = Graph.model_validate(doc)
    assert check(graph).ok
    files = generate(graph)
    for name in ("model.py", "train.py"):
        assert_inert(files[name])
    module = import_source(files["model.py"], tmp_path)
    model = getattr(module, model_class_name(graph))()
    names = [n for n, _ in model.named_children()]
    assert len(set(names)) == 2 and all(n.isidentifier() for n in names)


@pytest.mark.parametrize("field,value", [
    ("id", "x; import os"), ("type", "Linear(1,1); import os"), ("kind", "eval"),
])
def test_structural_fields_are_validated(field: str, value: str) -> None:
    doc = mlp()
    doc["nodes"][1][field] = value
    with pytest.raises(ValidationError):
        Graph.model_validate(doc)


def test_module_names_are_validated() -> None:
    doc = mlp()
    doc["modules"] = [{"name": "Block(nn.Module):\n    import os", "nodes": [], "edges": []}]
    with pytest.raises(ValidationError) as e:
        Graph.model_validate(doc)
    assert "modules" in str(e.value)


@pytest.mark.parametrize("params,param", [
    ({"out_features": "2); import os; (1"}, "out_features"),
    ({"out_features": 2, "bias": "True); import os #"}, "bias"),
    ({"out_features": [2, "import os"]}, "out_features"),
    ({"out_features": 2, "__class__": 1}, "__class__"),
])
def test_params_are_typed(params: dict[str, Any], param: str) -> None:
    doc = mlp()
    doc["nodes"][1]["params"] = params
    r = check(Graph.model_validate(doc))
    assert not r.ok
    assert any(i.node == "fc1" and i.param == param for i in r.issues)
    with pytest.raises(GraphError):
        generate(Graph.model_validate(doc))


def test_enum_values_are_checked() -> None:
    doc = mlp()
    doc["nodes"][1] = {"id": "fc1", "kind": "layer", "type": "Conv1d",
                       "params": {"out_channels": 2, "kernel_size": 1, "padding_mode": "zeros'); import os #"}}
    r = check(Graph.model_validate(doc))
    assert any(i.param == "padding_mode" and "one of" in i.message for i in r.issues)


@pytest.mark.parametrize("root", [
    "data'); import os; os.system('touch /tmp/torchcanvas-pwned'); ('",
    "/etc", "../../home", "data/../../x", "C:\\Windows", "data\\..\\x", "da\x00ta", ".ssh", "a" * 65, "~/x",
    "data/", "",
])
@pytest.mark.parametrize("dataset", ["ImageFolder", "CIFAR10"])
def test_dataset_roots_are_relative_names(root: str, dataset: str) -> None:
    doc = mlp()
    doc["nodes"][0]["shape"] = ["B", 3, 32, 32]
    doc["nodes"].insert(1, {"id": "flat", "kind": "layer", "type": "Flatten"})
    doc["edges"][0] = {"source": {"node": "x"}, "target": {"node": "flat", "port": "in"}}
    doc["edges"].append({"source": {"node": "flat"}, "target": {"node": "fc1", "port": "in"}})
    doc["nodes"][3]["params"] = {"out_features": 10}  # CIFAR10's classes; ImageFolder's default is 2
    doc["training"]["dataset"] = {"type": dataset, "params": {"root": root, **({"num_classes": 10} if dataset == "ImageFolder" else {})}}
    with pytest.raises(GraphError) as e:
        generate(Graph.model_validate(doc))
    assert [i.param for i in e.value.issues] == ["training.dataset.root"]
    assert "relative folder name" in e.value.issues[0].message
    doc["training"]["dataset"]["params"]["root"] = "my_images/v1.2"
    assert '"my_images/v1.2"' in generate(Graph.model_validate(doc))["train.py"]


@pytest.mark.parametrize("params", [
    {"out_features": 10**12},
    {"out_features": 10**30},
    {"out_features": -5},
    {"out_features": 1.5},
    {"out_features": float("nan")},
])
def test_huge_and_bad_numbers(params: dict[str, Any]) -> None:
    doc = mlp()
    doc["nodes"][1]["params"] = params
    r = check(Graph.model_validate(doc))
    assert not r.ok
    assert all(i.node == "fc1" and i.fix for i in r.issues)


def test_huge_kernel_and_input() -> None:
    doc = mlp()
    doc["nodes"][0]["shape"] = ["B", 3, 1_000_000, 1_000_000]
    doc["nodes"][1] = {"id": "fc1", "kind": "layer", "type": "Conv2d",
                       "params": {"out_channels": 1_000_000, "kernel_size": 1_000_000}}
    r = check(Graph.model_validate(doc))
    assert not r.ok and r.issues[0].node == "fc1"


def test_a_hundred_thousand_nodes_are_refused() -> None:
    doc = mlp()
    doc["nodes"] = [{"id": f"n{i}", "kind": "layer", "type": "ReLU"} for i in range(100_000)]
    with pytest.raises(ValidationError) as e:
        Graph.model_validate(doc)
    assert "at most 5000" in str(e.value)


def test_cycle_gets_a_clear_error() -> None:
    doc = mlp()
    doc["edges"].append({"source": {"node": "fc2"}, "target": {"node": "fc1", "port": "in2"}})
    r = check(Graph.model_validate(doc))
    assert {i.node for i in r.issues if "cycle" in i.message} == {"fc1", "fc2"}
    with pytest.raises(GraphError):
        generate(Graph.model_validate(doc))


def test_module_that_contains_itself_indirectly() -> None:
    def block(name: str, uses: str) -> dict[str, Any]:
        return {"name": name, "nodes": [
            {"id": "in", "kind": "input", "shape": ["B", 2]},
            {"id": "m", "kind": "module", "module": uses},
            {"id": "out", "kind": "output"},
        ], "edges": [
            {"source": {"node": "in"}, "target": {"node": "m", "port": "in"}},
            {"source": {"node": "m", "port": "out"}, "target": {"node": "out", "port": "in"}},
        ]}

    doc = mlp()
    doc["modules"] = [block("A", "B"), block("B", "A")]
    doc["nodes"][1] = {"id": "fc1", "kind": "module", "module": "A"}
    doc["edges"][1]["source"] = {"node": "fc1", "port": "out"}
    r = check(Graph.model_validate(doc))
    assert any("contains itself" in i.message for i in r.issues)
    with pytest.raises(GraphError):
        generate(Graph.model_validate(doc))


# ---- numbers beyond int64 or float ------------------------------------------------------------------


def _errors(doc: dict[str, Any]) -> list[Any]:
    return [i for i in check(Graph.model_validate(doc)).issues if i.severity == "error"]


@pytest.mark.parametrize("layer,params,param", [
    ("Linear", {"out_features": 10**400}, "out_features"),
    ("Linear", {"out_features": -(10**400)}, "out_features"),
    ("Linear", {"out_features": 2**63}, "out_features"),
    ("Dropout", {"p": 10**400}, "p"),
    ("LeakyReLU", {"negative_slope": -(10**400)}, "negative_slope"),
    ("Linear", {"out_features": [10**400]}, "out_features"),
])
def test_numbers_beyond_64_bits_are_located_errors(layer: str, params: dict[str, Any], param: str) -> None:
    doc = mlp()
    doc["nodes"][1].update(type=layer, params=params)
    errors = _errors(doc)
    assert errors and all(i.node == "fc1" and i.param == param and i.fix for i in errors)
    with pytest.raises(GraphError):
        generate(Graph.model_validate(doc))


@pytest.mark.parametrize("training,param", [
    ({"loss": {"type": "CrossEntropyLoss", "params": {"ignore_index": 10**400}}}, "training.loss.ignore_index"),
    ({"loss": {"type": "CrossEntropyLoss", "params": {"label_smoothing": 10**400}}}, "training.loss.label_smoothing"),
    ({"optimizer": {"type": "SGD", "params": {"momentum": 10**400}}}, "training.optimizer.momentum"),
    ({"dataset": {"type": "Moons", "params": {"n_samples": 2**64}}}, "training.dataset.n_samples"),
])
def test_training_numbers_beyond_64_bits_refuse_train_py(training: dict[str, Any], param: str) -> None:
    doc = mlp(**training)
    with pytest.raises(GraphError) as e:
        generate(Graph.model_validate(doc))
    assert [i.param for i in e.value.issues] == [param]


@pytest.mark.parametrize("x_range", [[1e308, -1e308], [1.0, -1.0], [-1e7, 0.0], [0.0, 1e300], [float("inf"), 0.0]])
def test_regression_ranges_must_be_ordered_and_bounded(x_range: list[float]) -> None:
    doc = mlp(dataset={"type": "Regression1D", "params": {"x_range": x_range}}, loss={"type": "MSELoss"})
    doc["nodes"][0]["shape"] = ["B", 1]
    doc["nodes"][2]["params"] = {"out_features": 1}
    with pytest.raises(GraphError) as e:
        generate(Graph.model_validate(doc))
    assert [i.param for i in e.value.issues] == ["training.dataset.x_range"]
    doc["training"]["dataset"]["params"]["x_range"] = [-2.0, 3.0]
    assert "train.py" in generate(Graph.model_validate(doc))


def test_crop_scales_must_be_ordered() -> None:
    doc = mlp(dataset={"type": "Digits"}, train_transforms=[
        {"type": "RandomResizedCrop", "params": {"size": 8, "scale": [1.0, 0.5]}}])
    with pytest.raises(GraphError) as e:
        generate(Graph.model_validate(doc))
    assert "training.train_transforms[0].scale" in [i.param for i in e.value.issues]


# ---- ports ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("edge,port,node", [
    (1, "nope", "fc2"),  # fc1 -> fc2 from a port Linear does not have
    (0, "in", "fc1"),  # from the input node's (missing) port 'in'
    (2, "h_n", "y"),  # Linear has no h_n
    (1, "out0", "fc2"),
])
def test_edges_from_missing_ports_are_errors_on_the_consumer(edge: int, port: str, node: str) -> None:
    doc = mlp()
    doc["edges"][edge]["source"]["port"] = port
    errors = _errors(doc)
    assert [i.node for i in errors] == [node] and f"'{port}'" in errors[0].message
    assert errors[0].fix and "out" in errors[0].fix
    with pytest.raises(GraphError):
        generate(Graph.model_validate(doc))


def test_edges_into_missing_ports_are_errors() -> None:
    doc = mlp()
    doc["edges"][2]["target"]["port"] = "other"
    assert {i.node for i in _errors(doc)} == {"y"}
    doc = mlp()
    doc["edges"][1]["target"]["port"] = "in2"
    assert {i.node for i in _errors(doc)} == {"fc2"}


def test_a_variadic_port_past_the_count_is_an_error() -> None:
    doc = mlp()
    doc["nodes"].insert(2, {"id": "split", "kind": "layer", "type": "Chunk", "params": {"chunks": 2, "dim": 1}})
    doc["edges"][1] = {"source": {"node": "fc1"}, "target": {"node": "split", "port": "in"}}
    doc["edges"].append({"source": {"node": "split", "port": "out2"}, "target": {"node": "fc2", "port": "in"}})
    assert [i.node for i in _errors(doc)] == ["fc2"]
    doc["edges"][-1]["source"]["port"] = "out1"
    assert _errors(doc) == []


def test_a_module_output_port_must_exist() -> None:
    block = {"name": "Block", "nodes": [{"id": "i", "kind": "input", "shape": ["B", 2]}, {"id": "o", "kind": "output"}],
             "edges": [{"source": {"node": "i"}, "target": {"node": "o", "port": "in"}}]}
    doc = mlp()
    doc["modules"] = [block]
    doc["nodes"][1] = {"id": "fc1", "kind": "module", "module": "Block"}
    doc["edges"][0]["target"]["port"] = "i"
    doc["edges"][1]["source"]["port"] = "out"  # the module's output port is 'o'
    errors = _errors(doc)
    assert [i.node for i in errors] == ["fc2"] and "o" in (errors[0].fix or "")


# ---- symbolic dimensions ----------------------------------------------------------------------------


@pytest.mark.parametrize("dim", ["T", "b", "BB", "", "N"])
def test_only_the_batch_is_symbolic(dim: str) -> None:
    doc = mlp()
    doc["nodes"][0]["shape"] = ["B", dim, 2]
    with pytest.raises(ValidationError) as e:
        Graph.model_validate(doc)
    text = str(e.value)
    assert "input node 'x'" in text and "shape[1]" in text and "only 'B'" in text


def test_a_module_input_with_a_symbol_is_refused() -> None:
    doc = mlp()
    doc["modules"] = [{"name": "Block", "nodes": [{"id": "seq", "kind": "input", "shape": ["B", "T", 4]}], "edges": []}]
    with pytest.raises(ValidationError) as e:
        Graph.model_validate(doc)
    assert "input node 'seq'" in str(e.value)


@pytest.mark.parametrize("optimizer", [
    {"type": "Adam", "params": {"betas": [1.0, 0.999]}},
    {"type": "AdamW", "params": {"betas": [0.9, 1.0]}},
    {"type": "Rprop", "params": {"etas": [0.0, 0.0]}},
    {"type": "Adagrad", "params": {"initial_accumulator_value": 1e308}},
])
def test_params_torch_refuses_stop_before_train_py(optimizer: dict[str, Any]) -> None:
    doc = mlp(optimizer=optimizer)
    with pytest.raises(GraphError) as e:
        generate(Graph.model_validate(doc))
    assert [i.param for i in e.value.issues] == ["training.optimizer"]


def test_a_plateau_factor_of_one_is_refused() -> None:
    doc = mlp(scheduler={"type": "ReduceLROnPlateau", "params": {"factor": 1.0}})
    with pytest.raises(GraphError) as e:
        generate(Graph.model_validate(doc))
    assert [i.param for i in e.value.issues] == ["training.scheduler.factor"]
