"""No graph or module name can shadow a name the generated train.py or model.py uses."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from torchcanvas.codegen import generate
from torchcanvas.codegen.model_py import class_names
from torchcanvas.codegen.reserved import _render, template_names, training_variants
from torchcanvas.codegen.train_py import render_train_py
from torchcanvas.graph.model import Graph
from torchcanvas.graph.names import identifiers


def _fullwidth(name: str) -> str:
    """ＤａｔａＬｏａｄｅｒ: folds to DataLoader under NFKC."""
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    assert unicodedata.normalize("NFKC", wide) == name
    return wide


def test_every_catalog_variant_renders() -> None:
    assert [v for v in training_variants() if _render(v) is None] == []


def test_the_template_names_are_collected_from_the_output() -> None:
    assert {"DataLoader", "SummaryWriter", "Dataset", "ImageArrays", "TensorDataset", "tqdm", "v2", "nn", "F",
            "evaluate", "emit", "model"} <= template_names()


@pytest.mark.parametrize("variant", range(len(list(training_variants()))))
def test_no_class_name_shadows_a_train_py_name(variant: int) -> None:
    training = list(training_variants())[variant]
    used = identifiers(render_train_py(Graph.model_validate({"training": training}), "Placeholder")) - {"Placeholder"}
    for name in sorted(used):
        for spelled in (name, _fullwidth(name)):
            graph = Graph.model_validate({"name": spelled[:100], "training": training,
                                          "modules": [{"name": "Block", "nodes": [], "edges": []}]})
            classes = class_names(graph)
            assert classes[None] not in used, (spelled, classes)


def _moons(name: str, module: str = "Block") -> dict[str, object]:
    block = {"name": module, "nodes": [
        {"id": "in", "kind": "input", "shape": ["B", 16]},
        {"id": "fc", "kind": "layer", "type": "Linear", "params": {"out_features": 16}},
        {"id": "out", "kind": "output"},
    ], "edges": [
        {"source": {"node": "in"}, "target": {"node": "fc", "port": "in"}},
        {"source": {"node": "fc"}, "target": {"node": "out", "port": "in"}},
    ]}
    return {
        "name": name,
        "modules": [block],
        "nodes": [
            {"id": "x", "kind": "input", "shape": ["B", 1, 8, 8]},
            {"id": "flat", "kind": "layer", "type": "Flatten"},
            {"id": "fc1", "kind": "layer", "type": "Linear", "params": {"out_features": 16}},
            {"id": "blk", "kind": "module", "module": module},
            {"id": "fc2", "kind": "layer", "type": "Linear", "params": {"out_features": 10}},
            {"id": "y", "kind": "output"},
        ],
        "edges": [
            {"source": {"node": "x"}, "target": {"node": "flat", "port": "in"}},
            {"source": {"node": "flat"}, "target": {"node": "fc1", "port": "in"}},
            {"source": {"node": "fc1"}, "target": {"node": "blk", "port": "in"}},
            {"source": {"node": "blk", "port": "out"}, "target": {"node": "fc2", "port": "in"}},
            {"source": {"node": "fc2"}, "target": {"node": "y", "port": "in"}},
        ],
        "training": {"dataset": {"type": "Digits"}, "loss": {"type": "CrossEntropyLoss"}, "epochs": 1,
                     "train_transforms": [{"type": "RandomHorizontalFlip"}]},
    }


RUN_ALL = """
import contextlib, io, json, os, runpy, sys
results = {}
for d in json.loads(sys.argv[1]):
    os.chdir(d)
    sys.path.insert(0, d)
    sys.modules.pop("model", None)
    sys.argv = ["train.py", "--epochs", "1", "--out", os.path.join(d, "runs"), "--device", "cpu"]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            runpy.run_path("train.py", run_name="__main__")
        results[d] = "ok"
    except BaseException as e:
        results[d] = repr(e)[:500]
    sys.path.remove(d)
print(json.dumps(results))
"""


@pytest.mark.slow
def test_graphs_named_after_template_names_train(tmp_path: Path) -> None:
    """Named after what train.py imports and defines, the model and its module still train."""
    names = ["DataLoader", _fullwidth("SummaryWriter"), "Dataset", "ImageArrays"]
    dirs = []
    for i, name in enumerate(names):
        d = tmp_path / f"g{i}"
        d.mkdir()
        module = ["Tensor", "F", "DataLoader", "torch"][i]
        for filename, text in generate(Graph.model_validate(_moons(name, module))).items():
            (d / filename).write_text(text)
        dirs.append(str(d))
    proc = subprocess.run([sys.executable, "-c", RUN_ALL, json.dumps(dirs)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.splitlines()[-1])
    assert {names[dirs.index(d)]: r for d, r in results.items() if r != "ok"} == {}
