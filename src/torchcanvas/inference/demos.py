"""The demo models: something a newcomer can try at once, trained here, never downloaded.

Two graphs, each a public saved model of the built-in ``torchcanvas`` account, trained through
the normal run path (the runner runs their generated train.py) on offline data with a fixed
seed: a small CNN on sklearn's 8x8 digits, and the seed's LeNet_bn on skimage's faces /
non-faces. ``queue`` is idempotent: a demo with a succeeded run, or one queued or training, is
left alone, so the button and ``torchcanvas demos build`` can be pressed twice.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from torchcanvas.db import crud
from torchcanvas.db.models import Run, SavedModel
from torchcanvas.graph.model import Graph
from torchcanvas.market.seed import seed_user
from torchcanvas.runner import Runner

DIGITS_NAME = "Demo: digits (8x8)"
FACES_NAME = "Demo: face or not"


class NoSeedAccount(Exception):
    pass


def _chain(ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"source": {"node": a, "port": "out"}, "target": {"node": b, "port": "in"}} for a, b in itertools.pairwise(ids)
    ]


def digits_graph() -> dict[str, Any]:
    """A two-conv CNN for 1x8x8 digits, 10 epochs from seed 0."""
    layers = [
        ("conv1", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),  # (B, 16, 8, 8)
        ("relu1", "ReLU", {}),
        ("pool1", "MaxPool2d", {"kernel_size": 2}),  # (B, 16, 4, 4)
        ("conv2", "Conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),  # (B, 32, 4, 4)
        ("relu2", "ReLU", {}),
        ("flatten", "Flatten", {}),
        ("fc", "Linear", {"out_features": 10}),
    ]
    nodes: list[dict[str, Any]] = [
        {"id": "x", "kind": "input", "shape": ["B", 1, 8, 8], "name": "digit", "position": {"x": 0, "y": 0}}
    ]
    for i, (nid, type_, params) in enumerate(layers, 1):
        nodes.append({"id": nid, "kind": "layer", "type": type_, "params": params, "position": {"x": 0, "y": 110 * i}})
    nodes.append({"id": "y", "kind": "output", "position": {"x": 0, "y": 110 * (len(layers) + 1)}})
    return {
        "schema_version": 1,
        "name": DIGITS_NAME,
        "description": "A small CNN on sklearn's 8x8 handwritten digits: draw a digit and see what it answers.",
        "nodes": nodes,
        "edges": _chain([n["id"] for n in nodes]),
        "training": {
            "dataset": {"type": "Digits"},
            "loss": {"type": "CrossEntropyLoss"},
            "optimizer": {"type": "Adam"},
            "epochs": 10,
            "batch_size": 64,
            "lr": 0.005,
            "seed": 0,
        },
    }


def faces_graph(examples_dir: Path) -> dict[str, Any]:
    """The seed's LeNet_bn (examples/seed_lenet_bn.json) on faces / non-faces, with a fixed seed."""
    doc: dict[str, Any] = json.loads((examples_dir / "seed_lenet_bn.json").read_text())
    doc["name"] = FACES_NAME
    doc["description"] = "The seed's LeNet_bn on skimage's 100 faces and 100 non-faces (32x32): is it a face?"
    doc["training"] = {**doc["training"], "epochs": 15, "seed": 0}
    return doc


def graphs(examples_dir: Path) -> list[dict[str, Any]]:
    return [digits_graph(), faces_graph(examples_dir)]


def _model(db: Session, owner_id: int, doc: dict[str, Any]) -> SavedModel:
    model = db.scalars(
        select(SavedModel).where(SavedModel.owner_id == owner_id, SavedModel.name == doc["name"])
    ).first()
    if model is None:
        Graph.model_validate(doc)  # a demo that does not validate is a bug here, not the user's
        model = crud.create(
            db, owner_id=owner_id, name=doc["name"], description=doc["description"], graph=doc, thumbnail=None
        )
    if model.visibility != "public":
        model.visibility = "public"
        db.commit()
    return model


def queue(db: Session, runner: Runner, examples_dir: Path) -> list[int]:
    """Queue a run of every demo that has none succeeded, queued or running; the ids of the
    demos' runs that are not finished yet (queued now or before)."""
    user = seed_user(db)
    if user is None:
        raise NoSeedAccount("the account 'torchcanvas' is a person's; the demos are published under that account only")
    pending: list[int] = []
    for doc in graphs(examples_dir):
        model = _model(db, user.id, doc)
        runs = db.scalars(
            select(Run).where(
                Run.model_id == model.id, Run.owner_id == user.id, Run.status.in_(("succeeded", "queued", "running"))
            )
        ).all()
        if any(r.status == "succeeded" for r in runs):
            continue
        if runs:
            pending.extend(r.id for r in runs)
            continue
        graph = Graph.model_validate(model.graph)
        pending.append(
            runner.submit(graph, name=doc["name"], model_id=model.id, model_version=model.version, owner_id=user.id)
        )
    return pending
