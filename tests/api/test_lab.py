"""The regularization lab: lessons, the one-click lesson run, and the two forward demos."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient
from torch import nn

from tests.api.api_support import sign_up
from tests.runner.support import example, runner_settings
from torchcanvas.api import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(runner_settings(tmp_path)), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        yield c


def test_lessons(client: TestClient) -> None:
    lessons = {x["id"]: x for x in client.get("/api/v1/lab/lessons").json()}
    assert {"bias-variance", "weight-decay", "dropout", "dropout-scale", "batchnorm", "normalization-layers"} <= set(
        lessons
    )
    bn = lessons["batchnorm"]
    assert bn["experiment"]["example"] == "seed_lenet_bn"
    assert bn["experiment"]["params"] == [{"name": "lr", "path": "training.lr", "values": [0.01, 0.1], "default": 0.01}]
    assert "(1 − momentum)·running + momentum·batch" in bn["explanation"]
    # The seed has these two the wrong way round.
    norm = lessons["normalization-layers"]["explanation"]
    assert "num_groups = 1 behaves like LayerNorm" in norm and "num_groups = C like\nInstanceNorm" in norm
    assert "1/(1 − p)" in lessons["dropout"]["explanation"]


def test_a_lesson_run_queues_its_variants(client: TestClient) -> None:
    r = client.post("/api/v1/lab/lessons/batchnorm/run", json={"params": {"lr": 0.1}, "epochs": 1})
    assert r.status_code == 201, r.text
    body = r.json()
    assert [run["label"] for run in body["runs"]] == [
        "BatchNorm=on, init=default, lr=0.1",
        "BatchNorm=on, init=initialize_weights, lr=0.1",
        "BatchNorm=off, init=default, lr=0.1",
        "BatchNorm=off, init=initialize_weights, lr=0.1",
    ]
    assert all(run["config"]["lr"] == 0.1 for run in body["runs"])
    for run in body["runs"]:  # no need to train them here
        client.delete(f"/api/v1/runs/{run['id']}")
    r = client.post("/api/v1/lab/lessons/batchnorm/run", json={"params": {"lr": 0.5}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "params", "lr"]
    r = client.post("/api/v1/lab/lessons/batchnorm/run", json={"params": {"momentum": 0.5}})
    assert r.status_code == 422 and "no param 'momentum'" in r.json()["detail"][0]["message"]
    assert client.post("/api/v1/lab/lessons/nope/run", json={}).status_code == 404
    assert client.post("/api/v1/lab/lessons/bias-variance/run", json={}).status_code == 409


def test_a_lesson_keeps_its_earlier_experiments(client: TestClient) -> None:
    first = client.post("/api/v1/lab/lessons/batchnorm/run", json={"epochs": 1}).json()
    second = client.post("/api/v1/lab/lessons/batchnorm/run", json={"params": {"lr": 0.1}, "epochs": 1}).json()
    # Another experiment of the same graph, named by its user: not the lesson's.
    graph = example("seed_lenet_bn")
    axes = [{"path": "training.lr", "values": [0.01]}]
    other = client.post("/api/v1/experiments", json={"graph": graph, "axes": axes, "name": "Batch norms", "epochs": 1})
    assert other.status_code == 201, other.text
    for body in (first, second, other.json()):
        for run in body["runs"]:  # no need to train them here
            client.delete(f"/api/v1/runs/{run['id']}")

    past = client.get("/api/v1/lab/lessons/batchnorm/experiments")
    assert past.status_code == 200, past.text
    assert [(e["id"], e["name"]) for e in past.json()] == [
        (second["id"], "Batch normalization, lr=0.1"),
        (first["id"], "Batch normalization, lr=0.01"),
    ]
    assert client.get("/api/v1/lab/lessons/weight-decay/experiments").json() == []
    assert client.get("/api/v1/lab/lessons/nope/experiments").status_code == 404
    assert client.get("/api/v1/lab/lessons/bias-variance/experiments").status_code == 404
    client.cookies.clear()
    sign_up(client, "bob")
    assert client.get("/api/v1/lab/lessons/batchnorm/experiments").json() == []  # alice's are hers


def test_dropout_scale_bad_input(client: TestClient) -> None:
    r = client.post("/api/v1/lab/dropout-scale", json={"p": 1.0})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "p"]
    body = client.post("/api/v1/lab/dropout-scale", json={"p": 0.0, "n": 100}).json()
    assert body["train_output"] == body["eval_output"] == 100.0


@pytest.mark.parametrize(
    ("request_body", "axes", "params", "buffers"),
    [
        (
            {"shape": [8, 6, 3, 4], "layer": "BatchNorm"},
            [0, 2, 3],
            {"weight": [6], "bias": [6]},
            {"running_mean": [6], "running_var": [6], "num_batches_tracked": []},
        ),
        ({"shape": [8, 6], "layer": "BatchNorm", "track_running_stats": False}, [0], {"weight": [6], "bias": [6]}, {}),
        (
            {"shape": [8, 6, 3, 4], "layer": "LayerNorm", "normalized_shape": [3, 4]},
            [2, 3],
            {"weight": [3, 4], "bias": [3, 4]},
            {},
        ),
        ({"shape": [8, 6, 3, 4], "layer": "LayerNorm"}, [1, 2, 3], {"weight": [6, 3, 4], "bias": [6, 3, 4]}, {}),
        ({"shape": [8, 6, 3, 4], "layer": "InstanceNorm"}, [2, 3], {}, {}),
        ({"shape": [8, 6, 3, 4], "layer": "GroupNorm", "num_groups": 3}, [1, 2, 3], {"weight": [6], "bias": [6]}, {}),
    ],
)
def test_normalization(client: TestClient, request_body: dict, axes: list, params: dict, buffers: dict) -> None:  # type: ignore[type-arg]
    r = client.post("/api/v1/lab/normalization", json=request_body)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["normalized_axes"] == axes == _axes_torch_normalizes(request_body)
    assert {p["name"]: p["shape"] for p in body["parameters"]} == params
    assert {b["name"]: b["shape"] for b in body["buffers"]} == buffers
    assert body["output_shape"] == request_body["shape"]


def _torch_layer(request_body: dict[str, Any]) -> nn.Module:
    shape, layer = request_body["shape"], request_body["layer"]
    channels, spatial = shape[1], len(shape) - 2
    if layer == "BatchNorm":
        return getattr(nn, f"BatchNorm{max(spatial, 1)}d")(channels)
    if layer == "InstanceNorm":
        return getattr(nn, f"InstanceNorm{spatial}d")(channels)
    if layer == "GroupNorm":
        return nn.GroupNorm(request_body["num_groups"], channels)
    return nn.LayerNorm(request_body.get("normalized_shape") or shape[1:])


def _axes_torch_normalizes(request_body: dict[str, Any]) -> list[int]:
    """The fewest axes over which the layer's training-mode output has mean 0 and variance 1 for
    every index of the other axes: what the layer normalizes over, found by running it."""
    torch.manual_seed(0)
    y = _torch_layer(request_body).train()(torch.randn(request_body["shape"]) * 3 + 2).detach()
    found = [
        list(axes)
        for size in range(1, y.dim() + 1)
        for axes in itertools.combinations(range(y.dim()), size)
        if torch.allclose(y.mean(dim=axes), torch.tensor(0.0), atol=1e-4)
        and torch.allclose(y.var(dim=axes, unbiased=False), torch.tensor(1.0), atol=1e-3)
    ]
    assert found, "the layer's output has mean 0 and variance 1 over no set of axes"
    return found[0]


def test_groupnorm_groups(client: TestClient) -> None:
    body = client.post(
        "/api/v1/lab/normalization", json={"shape": [2, 6, 4, 4], "layer": "GroupNorm", "num_groups": 2}
    ).json()
    assert body["groups"] == [[0, 1, 2], [3, 4, 5]] and body["running_stats"] is False


@pytest.mark.parametrize(
    ("request_body", "field", "words"),
    [
        (
            {"shape": [8, 6, 3, 4], "layer": "LayerNorm", "normalized_shape": [6, 3]},
            "normalized_shape",
            "suffix of the input shape",
        ),
        ({"shape": [8, 6, 3, 4], "layer": "GroupNorm", "num_groups": 4}, "num_groups", "must divide num_channels (6)"),
        ({"shape": [8, 6, 3, 4], "layer": "GroupNorm"}, "num_groups", "needs num_groups"),
        ({"shape": [8, 6], "layer": "InstanceNorm"}, "shape", "InstanceNorm takes"),
        (
            {"shape": [8, 6, 3, 4], "layer": "LayerNorm", "track_running_stats": True},
            "track_running_stats",
            "no running statistics",
        ),
    ],
)
def test_normalization_rejects(client: TestClient, request_body: dict, field: str, words: str) -> None:  # type: ignore[type-arg]
    r = client.post("/api/v1/lab/normalization", json=request_body)
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["body", field] and words in detail["message"]
    for suffix in ("[6, 3, 4]", "[3, 4]", "[4]") if field == "normalized_shape" else ():
        assert suffix in detail["message"]


def test_the_small_batch_lesson_computes_its_table(client: TestClient) -> None:
    lessons = {x["id"]: x for x in client.get("/api/v1/lab/lessons").json()}
    assert lessons["small-batches"]["demo"] == "batch-statistics"
    r = client.post("/api/v1/lab/batch-statistics", json={"batch_sizes": [2, 16], "trials": 10})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [x["batch_size"] for x in rows] == [2, 16] and rows[0]["bn_spread"] > rows[1]["bn_spread"]
    assert rows[0]["gn_spread"] < 1e-5 and "nn.GroupNorm(32, 64)" in r.json()["fcos_head_norms"]
    bad = client.post("/api/v1/lab/batch-statistics", json={"batch_sizes": [1000]})
    assert bad.status_code == 422
