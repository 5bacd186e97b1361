"""POST /check: problems in a graph are in the result (200); malformed documents are 422."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def issues_of(body: dict[str, Any], node: str) -> list[dict[str, Any]]:
    return [i for i in body["issues"] if i["node"] == node]


def test_valid_graph(client: TestClient, graph: dict[str, Any]) -> None:
    r = client.post("/api/v1/check", json=graph)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["issues"] == []
    assert body["nodes"]["fc1"]["outputs"]["out"] == ["B", 8]
    assert body["nodes"]["fc1"]["inferred"] == {"in_features": 1}
    assert body["total_params"] == (1 * 8 + 8) + (8 * 1 + 1)


def test_unknown_layer_type_names_the_node(client: TestClient, graph: dict[str, Any]) -> None:
    graph["nodes"][1]["type"] = "Linaer"
    r = client.post("/api/v1/check", json=graph)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    [issue] = issues_of(body, "fc1")
    assert "Linaer" in issue["message"]


def test_wrong_param_type_names_node_and_param(client: TestClient, graph: dict[str, Any]) -> None:
    graph["nodes"][1]["params"]["out_features"] = "eight"
    body = client.post("/api/v1/check", json=graph).json()
    assert body["ok"] is False
    assert any(i["param"] == "out_features" for i in issues_of(body, "fc1"))


def test_cycle_is_reported(client: TestClient) -> None:
    graph = {
        "nodes": [
            {"id": "x", "kind": "input", "shape": ["B", 4]},
            {"id": "add", "kind": "layer", "type": "Add"},
            {"id": "act", "kind": "layer", "type": "ReLU"},
            {"id": "y", "kind": "output"},
        ],
        "edges": [
            {"source": {"node": "x"}, "target": {"node": "add", "port": "in0"}},
            {"source": {"node": "add"}, "target": {"node": "act", "port": "in"}},
            {"source": {"node": "act"}, "target": {"node": "add", "port": "in1"}},
            {"source": {"node": "act"}, "target": {"node": "y", "port": "in"}},
        ],
    }
    body = client.post("/api/v1/check", json=graph).json()
    assert body["ok"] is False
    assert any("cycle" in i["message"] and i["node"] in {"add", "act"} for i in body["issues"])


def test_malformed_node_is_422_naming_the_node(client: TestClient, graph: dict[str, Any]) -> None:
    del graph["nodes"][1]["type"]
    r = client.post("/api/v1/check", json=graph)
    assert r.status_code == 422
    [err] = r.json()["detail"]
    assert err["node"] == "fc1"
    assert err["loc"][-1] == "type" and err["message"].startswith("nodes.1.type:")


def test_unknown_node_kind_and_bad_fields_are_422(client: TestClient, graph: dict[str, Any]) -> None:
    graph["nodes"][2]["kind"] = "conv"
    graph["nodes"][3]["params"] = "not a dict"
    graph["extra"] = True
    r = client.post("/api/v1/check", json=graph)
    assert r.status_code == 422
    errs = r.json()["detail"]
    assert {e.get("node") for e in errs} >= {"act", "fc2"}
    assert any(e["loc"] == ["body", "extra"] for e in errs)


def test_node_count_is_capped(client: TestClient) -> None:
    nodes = [{"id": f"n{i}", "kind": "layer", "type": "ReLU"} for i in range(5001)]
    r = client.post("/api/v1/check", json={"nodes": nodes})
    assert r.status_code == 422
    assert "5000" in r.json()["detail"][0]["message"]


def test_error_lists_are_capped(client: TestClient) -> None:
    nodes = [{"id": f"n{i}", "kind": "layer"} for i in range(300)]  # every one lacks its type
    detail = client.post("/api/v1/check", json={"nodes": nodes}).json()["detail"]
    assert len(detail) == 51 and detail[-1]["message"] == "... and 250 more errors"


def test_check_bad_bodies_name_the_problem(client: TestClient) -> None:
    r = client.post("/api/v1/check", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["detail"][0]["message"]
    bad = {"nodes": [{"id": "conv1", "kind": "layer", "type": "Conv2d", "params": {}, "position": {"x": "left"}}]}
    r = client.post("/api/v1/check", json=bad)
    assert r.status_code == 422
    [err] = r.json()["detail"]
    assert err["loc"][:3] == ["body", "nodes", 0] and err["node"] == "conv1"
