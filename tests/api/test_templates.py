from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.api_support import make_settings, mlp_graph
from torchcanvas.api import create_app
from torchcanvas.graph.model import Graph
from torchcanvas.settings import PACKAGE_DIR, Settings


def test_lists_plain_and_wrapped_documents(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "mlp.json").write_text(json.dumps({**mlp_graph("Tiny MLP"), "description": "two layers"}))
    (examples / "wrapped.json").write_text(
        json.dumps({"title": "Wrapped", "description": "d", "graph": mlp_graph("W")})
    )
    (examples / "broken.json").write_text('{"nodes": [{"kind": "nope"}]}')
    (examples / "notes.txt").write_text("not an example")
    with TestClient(create_app(make_settings(tmp_path))) as c:
        r = c.get("/api/v1/templates")
        assert r.status_code == 200
        got = {t["name"]: t for t in r.json()}
        assert set(got) == {"mlp", "wrapped"}  # the broken file is skipped (and logged)
        assert (got["mlp"]["title"], got["mlp"]["description"]) == ("Tiny MLP", "two layers")
        assert (got["wrapped"]["title"], got["wrapped"]["graph"]["name"]) == ("Wrapped", "W")
        Graph.model_validate(got["mlp"]["graph"])

        assert c.get("/api/v1/templates/wrapped").json() == got["wrapped"]
        assert c.get("/api/v1/templates/broken").status_code == 404
        r = c.get("/api/v1/templates/missing")
        assert r.status_code == 404 and "missing" in r.json()["detail"]
        assert c.get("/api/v1/templates/..%2Fsecret").status_code in {404, 422}


def test_no_examples_folder_is_an_empty_list(client: TestClient) -> None:
    assert client.get("/api/v1/templates").json() == []


def test_serves_every_file_of_the_repository_examples(tmp_path: Path) -> None:
    folder = Settings(data_dir=tmp_path).resolved_examples_dir
    # Packaged copy first, else the source checkout's examples/.
    assert folder in {PACKAGE_DIR / "examples", PACKAGE_DIR.parent.parent / "examples"}
    files = sorted(p.stem for p in folder.glob("*.json"))
    settings = make_settings(tmp_path, examples_dir=None)
    with TestClient(create_app(settings)) as c:
        names = sorted(t["name"] for t in c.get("/api/v1/templates").json())
    assert names == files, "an example file failed to load; see the warning in the log"
