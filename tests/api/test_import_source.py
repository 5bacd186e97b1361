"""POST /api/v1/import/source: pasted source, off by default, run in a child process with limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient

from tests.api.api_support import make_settings, sign_up
from torchcanvas.api import create_app
from torchcanvas.graph.model import Graph
from torchcanvas.importer.config import ImportSettings
from torchcanvas.shapes import build_model

NET = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.act = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(self.pool(self.act(self.conv1(x))).flatten(1))
"""


@pytest.fixture
def allowed(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, importer=ImportSettings(source=True, time_limit_s=90))
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        yield c


def test_off_by_default_with_the_reason(client: TestClient) -> None:
    assert client.get("/api/v1/import/options").json()["source"] is False
    r = client.post("/api/v1/import/source", json={"code": NET, "name": "Net"})
    assert r.status_code == 403
    assert "runs the code on the server" in r.json()["detail"] and "TORCHCANVAS_IMPORTER__SOURCE" in r.json()["detail"]


def test_pasted_source_imports_in_a_child_process(allowed: TestClient) -> None:
    assert allowed.get("/api/v1/import/options").json()["source"] is True
    r = allowed.post("/api/v1/import/source", json={"code": NET, "name": "Net", "input_shape": [3, 16, 16]})
    assert r.status_code == 200, r.text
    body = r.json()
    graph = Graph.model_validate(body["graph"])
    assert [n.id for n in graph.nodes] == ["x", "conv1", "act", "pool", "flatten", "fc", "out"]
    assert body["params"] == 3 * 8 * 9 + 8 + 8 * 10 + 10
    assert build_model(graph)(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    assert "torch" not in body["graph"]["name"]


def test_the_code_runs_with_no_network_and_a_bare_environment(allowed: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the child sees of the server: its environment must not leak settings or secrets.
    code = NET + "\nimport os\nassert 'TORCHCANVAS_SECRET' not in os.environ, 'the server environment leaked'\n"
    monkeypatch.setenv("TORCHCANVAS_SECRET", "s3cret")
    r = allowed.post("/api/v1/import/source", json={"code": code, "name": "Net", "input_shape": [3, 8, 8]})
    assert r.status_code == 200, r.text
    if not r.json()["network_isolated"]:
        pytest.skip("this kernel gives no unprivileged network namespace")
    code = "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=3)\n"
    r = allowed.post("/api/v1/import/source", json={"code": code, "name": "Net"})
    assert r.status_code == 422
    assert "OSError" in r.json()["detail"] and "line 2" in r.json()["detail"]


@pytest.mark.parametrize(
    ("code", "name", "says"),
    [
        ("def f(:\n    pass\n", "Net", "does not parse: invalid syntax (line 1)"),
        (NET, "Nope", "defines no 'Nope'"),
        ("raise RuntimeError('boom')\n", "Net", "RuntimeError: boom (line 1)"),
        (NET.replace("def __init__(self):", "def __init__(self, width):"), "Net", "constructible with no arguments"),
        (
            NET.replace("return self.fc(", "if x.sum() > 0:\n            return x\n        return self.fc("),
            "Net",
            "line 13: if x.sum() > 0",
        ),
    ],
)
def test_code_that_cannot_be_imported_is_refused_with_its_line(allowed: TestClient, code: str, name: str, says: str) -> None:
    r = allowed.post("/api/v1/import/source", json={"code": code, "name": name, "input_shape": [3, 8, 8]})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert says in detail, detail
    assert "/tmp" not in detail and "import-" not in detail  # no server folder in the answer


def test_the_time_limit_stops_the_child(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, importer=ImportSettings(source=True, time_limit_s=1))
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        r = c.post("/api/v1/import/source", json={"code": "while True:\n    pass\n", "name": "Net"})
    assert r.status_code == 422 and "limit of 1 s" in r.json()["detail"]
    assert not list((tmp_path / "data" / "tmp").glob("import-*"))  # its folder is gone


def test_anonymous_callers_cannot_import_source(allowed: TestClient) -> None:

    anonymous = TestClient(allowed.app)
    assert anonymous.post("/api/v1/import/source", json={"code": NET, "name": "Net"}).status_code == 401
