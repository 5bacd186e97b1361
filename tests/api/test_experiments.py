"""The /experiments routes, and the variants their axes make."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import mlp_graph, sign_up
from tests.runner.support import example, runner_settings, wait_for
from torchcanvas.api import create_app
from torchcanvas.graph.model import Graph
from torchcanvas.runner.experiments import LayerAxis, NodeAxis, PathAxis, ToggleAxis, expand


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(runner_settings(tmp_path)), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        yield c


def test_toggle_removes_every_batchnorm_and_reconnects_the_chain() -> None:
    base = Graph.model_validate(example("seed_lenet_bn"))
    lenet = Graph.model_validate(example("seed_lenet"))
    on, off = expand(base, [ToggleAxis(toggle="BatchNorm")])
    assert on.label == "BatchNorm=on" and on.graph == base
    assert off.values == {"BatchNorm": False}
    # Without its BatchNorm layers, LeNet_bn is the seed's LeNet: same layers, same connections.
    assert [n.id for n in off.graph.nodes] == [n.id for n in lenet.nodes]
    pairs = lambda g: {(e.source.node, e.target.node) for e in g.edges}  # noqa: E731
    assert pairs(off.graph) == pairs(lenet)


def test_cartesian_product_and_labels() -> None:
    base = Graph.model_validate(example("seed_mlp_dropout"))
    variants = expand(
        base,
        [LayerAxis(layer_type="Dropout", param="p", values=[0, 0.5]), PathAxis(path="training.lr", values=[0.01, 0.1])],
    )
    assert [v.label for v in variants] == [
        "Dropout.p=0, lr=0.01",
        "Dropout.p=0, lr=0.1",
        "Dropout.p=0.5, lr=0.01",
        "Dropout.p=0.5, lr=0.1",
    ]
    last = variants[-1].graph
    assert last.training.lr == 0.1
    assert {n.params["p"] for n in last.nodes if getattr(n, "type", None) == "Dropout"} == {0.5}


def test_a_node_axis_varies_one_layer_only() -> None:
    base = Graph.model_validate(example("seed_mlp_dropout"))
    drops = [n.id for n in base.nodes if getattr(n, "type", None) == "Dropout"]
    assert len(drops) >= 2, "the example has several Dropout layers: one of them varies"
    variants = expand(base, [NodeAxis(node=drops[0], param="p", values=[0.1, 0.3])])
    assert [v.label for v in variants] == [f"{drops[0]}.p=0.1", f"{drops[0]}.p=0.3"]
    for v, p in zip(variants, [0.1, 0.3], strict=True):
        ps = {n.id: n.params.get("p") for n in v.graph.nodes if n.id in drops}  # type: ignore[union-attr]
        assert ps[drops[0]] == p
        assert all(ps[d] == {n.id: n for n in base.nodes}[d].params.get("p") for d in drops[1:])  # type: ignore[union-attr]


@pytest.mark.slow
def test_an_experiment_runs_every_variant(client: TestClient) -> None:
    r = client.post(
        "/api/v1/experiments",
        json={
            "graph": mlp_graph(),
            "epochs": 2,
            "axes": [{"path": "training.optimizer.params.weight_decay", "values": [0, 0.01]}],
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert [run["label"] for run in body["runs"]] == ["weight_decay=0", "weight_decay=0.01"]
    for run in body["runs"]:
        wait_for(client, run["id"])
    got = client.get(f"/api/v1/experiments/{body['id']}").json()
    assert [run["status"] for run in got["runs"]] == ["succeeded", "succeeded"]
    assert got["comparison"]["differences"] == [
        {"key": "training.optimizer.params.weight_decay", "label": "optimizer: weight_decay", "values": [0, 0.01]}
    ]
    assert [e["id"] for e in client.get("/api/v1/experiments").json()] == [body["id"]]
    listed = client.get("/api/v1/runs", params={"experiment_id": body["id"]}).json()
    assert listed["count"] == 2


def test_bad_axes(client: TestClient) -> None:
    def post(axes: object, graph: object = None) -> dict:  # type: ignore[type-arg]
        r = client.post("/api/v1/experiments", json={"graph": graph or mlp_graph(), "axes": axes})
        assert r.status_code == 422, r.text
        return r.json()  # type: ignore[no-any-return]

    body = post([{"toggle": "BatchNorm"}])
    assert body["detail"][0]["loc"] == ["body", "axes", 0] and "no BatchNorm layer" in body["detail"][0]["message"]
    body = post([{"layer_type": "Dropout", "param": "p", "values": [0.5]}])
    assert "no Dropout layer" in body["detail"][0]["message"]
    body = post([{"path": "training.lr", "values": [0.1, -1]}])
    assert body["detail"][0]["loc"] == ["body", "axes", 0] and "lr=-1" in body["detail"][0]["message"]
    post([{"path": "nodes.0.id", "values": [1]}])  # only training.* paths
    body = post([{"node": "nope", "param": "p", "values": [0.5]}])
    assert body["detail"][0]["loc"] == ["body", "axes", 0] and "no node 'nope'" in body["detail"][0]["message"]
    body = post([{"node": "x", "param": "p", "values": [0.5]}])
    assert "'x' is not a layer" in body["detail"][0]["message"]
    post([])
    assert client.get("/api/v1/experiments/999").status_code == 404
    r = client.post(
        "/api/v1/experiments", json={"model_id": "00000000-0000-0000-0000-000000000000", "axes": [{"toggle": "ReLU"}]}
    )
    assert r.status_code == 404
