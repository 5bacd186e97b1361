from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from torchcanvas import codegen
from torchcanvas.graph.validate import GraphError, Issue


def test_files(client: TestClient, graph: dict[str, Any]) -> None:
    r = client.post("/api/v1/codegen", json=graph)
    assert r.status_code == 200, r.text
    files = r.json()["files"]
    assert set(files) >= {"model.py", "train.py", "requirements.txt", "README.md"}
    compile(files["model.py"], "model.py", "exec")
    compile(files["train.py"], "train.py", "exec")


def test_zip_has_one_top_folder(client: TestClient, graph: dict[str, Any]) -> None:
    r = client.post("/api/v1/codegen?format=zip", json=graph)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="mlp.zip"'
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert {n.split("/")[0] for n in names} == {"mlp"}
    assert "mlp/model.py" in names and "mlp/train.py" in names
    json_files = client.post("/api/v1/codegen", json=graph).json()["files"]
    assert zipfile.ZipFile(io.BytesIO(r.content)).read("mlp/model.py").decode() == json_files["model.py"]


def test_graph_errors_are_422_with_issues(client: TestClient, graph: dict[str, Any]) -> None:
    graph["nodes"][1]["type"] = "Linaer"
    r = client.post("/api/v1/codegen", json=graph)
    assert r.status_code == 422
    body = r.json()
    assert "Linaer" in body["detail"]
    assert any(i["node"] == "fc1" and i["message"] for i in body["issues"])
    assert set(body["issues"][0]) >= {"message", "node", "param", "fix", "module"}


def test_graph_error_fields_pass_through(
    client: TestClient, graph: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = Issue("kernel too big", node="conv", param="kernel_size", fix="use 3", module="Block")

    def fail(_graph: Any, **_kwargs: Any) -> dict[str, str]:
        raise GraphError([issue, Issue("second")])

    monkeypatch.setattr(codegen, "generate_files", fail)
    r = client.post("/api/v1/codegen", json=graph)
    assert r.status_code == 422
    body = r.json()
    assert body["issues"][0] == issue.as_dict()
    assert body["detail"].startswith("the graph has 2 problems")


def test_training_mismatch_still_gives_model_py(client: TestClient, graph: dict[str, Any]) -> None:
    graph = {**graph, "training": {"dataset": {"type": "LFWFaces"}, "loss": {"type": "CrossEntropyLoss"}}}
    r = client.post("/api/v1/codegen", json=graph)
    assert r.status_code == 200
    body = r.json()
    assert list(body["files"]) == ["model.py"]
    assert body["issues"] and body["issues"][0]["severity"] == "warning"
    assert "dataset LFWFaces gives samples of shape (3, 32, 32)" in body["issues"][0]["message"]
    r = client.post("/api/v1/codegen?format=zip", json=graph)
    assert r.status_code == 422 and "LFWFaces" in r.json()["issues"][0]["message"]


def test_unknown_format_is_422(client: TestClient, graph: dict[str, Any]) -> None:
    r = client.post("/api/v1/codegen?format=rar", json=graph)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "format"]
