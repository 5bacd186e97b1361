from __future__ import annotations

from typing import Any

import onnx
from fastapi.testclient import TestClient


def test_onnx(client: TestClient, graph: dict[str, Any]) -> None:
    r = client.post("/api/v1/export/onnx", json=graph)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="mlp.onnx"'
    model = onnx.load_model_from_string(r.content)
    assert [n.op_type for n in model.graph.node].count("Gemm") == 2


def test_onnx_of_a_broken_graph_is_422(client: TestClient, graph: dict[str, Any]) -> None:
    graph["edges"].pop()  # the output is left unconnected
    r = client.post("/api/v1/export/onnx", json=graph)
    assert r.status_code == 422
    assert r.json()["issues"]
