"""The comparison's "Hyperparameters that differ" in the editor's words, not flattened paths."""

from __future__ import annotations

from typing import Any

import pytest

from torchcanvas.runner.metrics import differences, hyperparameter_label


def graph(bn: str | None, p: float, lr: float) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": "x", "kind": "input", "shape": ["B", 4]}]
    if bn:
        nodes.append({"id": "batchnorm1d_1", "kind": "layer", "type": bn, "params": {}})
    nodes += [
        {"id": "dropout_1", "name": "drop", "kind": "layer", "type": "Dropout", "params": {"p": p}},
        {"id": "y", "kind": "output"},
    ]
    return {
        "nodes": nodes,
        "modules": [
            {"name": "Block", "nodes": [{"id": "bn", "kind": "layer", "type": "BatchNorm1d", "params": {"eps": p}}]}
        ],
        "training": {"lr": lr, "optimizer": {"type": "SGD", "params": {"weight_decay": p}}},
    }


def test_differences_carry_labels_naming_node_and_param() -> None:
    diffs = differences([graph("BatchNorm1d", 0.1, 0.01), graph(None, 0.5, 0.01)])
    assert {d["key"]: d["label"] for d in diffs} == {
        "modules.Block.nodes.bn.params.eps": "Block.bn (BatchNorm1d): eps",
        "nodes.batchnorm1d_1.type": "batchnorm1d_1 (BatchNorm1d): layer",
        "nodes.dropout_1.params.p": "drop (Dropout): p",
        "training.optimizer.params.weight_decay": "optimizer: weight_decay",
    }
    assert [d["values"] for d in diffs if d["key"] == "nodes.batchnorm1d_1.type"] == [["BatchNorm1d", "(absent)"]]


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("training.lr", "learning rate"),
        ("training.batch_size", "batch size"),
        ("training.dataset.params.n_samples", "dataset: n_samples"),
        ("training.loss.params.label_smoothing", "loss: label_smoothing"),
        ("training.scheduler.params.gamma", "LR scheduler: gamma"),
        ("training.something_new", "something new"),
        ("nodes.gone.params.p", "gone: p"),  # a node in no graph keeps its id
        ("elsewhere.x", "elsewhere.x"),
    ],
)
def test_hyperparameter_label(key: str, label: str) -> None:
    assert hyperparameter_label(key, [graph("BatchNorm1d", 0.1, 0.01)]) == label
