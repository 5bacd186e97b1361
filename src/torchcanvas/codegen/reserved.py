"""The names the generated train.py uses, which no class name from a document may take.

A graph named ``DataLoader`` would otherwise become ``class DataLoader`` in model.py, and
``from model import DataLoader`` in train.py would replace torch's. Instead of a hand-kept list,
train.py is rendered once per catalog choice (every data set, loss, optimizer, scheduler and
transform, and each init) and every identifier in the output is reserved: a name added to a
template is reserved by that change itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from torchcanvas.catalog import catalog
from torchcanvas.graph.model import Graph
from torchcanvas.graph.names import identifiers
from torchcanvas.graph.validate import GraphError

# Stands in for the model class while the templates are rendered; it is left out of the result.
_PLACEHOLDER = "TorchcanvasModelPlaceholder"


def _example(spec: Any) -> dict[str, Any]:
    return {p.name: p.example for p in spec.params if p.required}


def training_variants() -> Iterator[dict[str, Any]]:
    """One training config per catalog choice, each otherwise minimal and valid."""
    c = catalog()
    first_loss = {"regression": "MSELoss", "detection": "DetectorLoss"}
    for name, ds in c.datasets.items():
        yield {"dataset": {"type": name}, "loss": {"type": first_loss.get(ds.task, "CrossEntropyLoss")}}
    for name, loss in c.losses.items():
        dataset = {"regression": "Regression1D", "segmentation": "Shapes", "detection": "ShapesDetection"}.get(loss.task, "Moons")
        yield {"dataset": {"type": dataset}, "loss": {"type": name, "params": _example(loss)}}
    from torchcanvas.catalog.detection import DETECTORS

    for detector in DETECTORS:
        yield {"dataset": {"type": "ShapesDetection"}, "loss": {"type": "DetectorLoss", "params": {"detector": detector}}}
    for name, spec in c.optimizers.items():
        yield {"optimizer": {"type": name, "params": _example(spec)}}
    for name, spec in c.schedulers.items():
        yield {"optimizer": {"type": "SGD", "params": {"momentum": 0.9}}, "scheduler": {"type": name, "params": _example(spec)}}
    transforms = [{"type": name, "params": _example(spec)} for name, spec in c.transforms.items() if name != "TenCrop"]
    lfw = {"dataset": {"type": "LFWFaces"}, "loss": {"type": "CrossEntropyLoss"}}
    yield {**lfw, "train_transforms": transforms}
    yield {**lfw, "train_transforms": [{"type": "TenCrop", "params": {"size": 24}}],
           "test_transforms": [{"type": "TenCrop", "params": {"size": 24}}]}
    yield {"init": "initialize_weights"}
    yield {"freeze": ["fc"]}


def _render(training: dict[str, Any]) -> str | None:
    from torchcanvas.codegen.train_py import render_train_py

    try:
        return render_train_py(Graph.model_validate({"training": training}), _PLACEHOLDER)
    except GraphError:
        return None  # tests/unit/test_names_reserved.py holds every variant to rendering


@cache
def template_names() -> frozenset[str]:
    """Every identifier any generated train.py may contain."""
    names: set[str] = set()
    for training in training_variants():
        source = _render(training)
        if source is not None:
            names |= identifiers(source)
    return frozenset(names - {_PLACEHOLDER})
