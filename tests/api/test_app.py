"""The app as a whole: OpenAPI, error shapes, body limits, the front end and its fallback."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from torchcanvas import shapes
from torchcanvas.api import create_app
from torchcanvas.settings import Settings


def test_health(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_openapi_documents_every_resource(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, method in [
        ("/api/v1/catalog", "get"),
        ("/api/v1/check", "post"),
        ("/api/v1/codegen", "post"),
        ("/api/v1/export/onnx", "post"),
        ("/api/v1/models", "get"),
        ("/api/v1/models", "post"),
        ("/api/v1/models/{model_id}", "put"),
        ("/api/v1/models/{model_id}", "patch"),
        ("/api/v1/models/{model_id}", "delete"),
        ("/api/v1/models/{model_id}/duplicate", "post"),
        ("/api/v1/models/{model_id}/versions", "get"),
        ("/api/v1/models/{model_id}/versions/{number}", "get"),
        ("/api/v1/models/{model_id}/versions/{number}/restore", "post"),
        ("/api/v1/templates", "get"),
        ("/api/v1/augment/preview", "post"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not in the OpenAPI document"
    assert not any(not p.startswith("/api/v1/") for p in paths), "the front end's catch-all must stay out of the schema"
    assert client.get("/api/v1/docs").status_code == 200


def test_api_docs_are_served_from_this_server(client: TestClient) -> None:
    """Swagger UI's files come from this server (offline, a CDN-loaded page is blank), and /docs,
    where people look first, leads there rather than to the editor."""
    r = client.get("/docs", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/api/v1/docs"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text and "/api/v1/openapi.json" in page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "the docs page loads something from elsewhere"
    for asset in re.findall(r"(?:src|href)=\"(/api/v1/docs/assets/[^\"]+)\"", page.text):
        got = client.get(asset)
        assert got.status_code == 200 and len(got.content) > 500, asset
    assert len(re.findall(r"/api/v1/docs/assets/", page.text)) == 3  # the script, the style sheet, the icon
    assert client.get("/api/v1/docs/assets/no-such-file.js").status_code == 404


def test_invalid_json_is_400_with_a_message(client: TestClient) -> None:
    r = client.post("/api/v1/check", content=b'{"nodes": [', headers={"content-type": "application/json"})
    assert r.status_code == 400
    [err] = r.json()["detail"]
    assert err["loc"] == ["body"] and "not valid JSON" in err["message"]


def test_wrong_body_type_is_422(client: TestClient) -> None:
    r = client.post("/api/v1/check", json=[1, 2])
    assert r.status_code == 422
    assert r.json()["detail"][0]["message"]


def test_oversized_body_is_413(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_body_bytes=4096, static_dir=tmp_path / "static")
    with TestClient(create_app(settings)) as c:
        big = json.dumps({"name": "x", "description": "a" * 5000}).encode()
        r = c.post("/api/v1/check", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and "4096 bytes" in r.json()["detail"]

        # Streamed (chunked, no Content-Length): counted as it arrives.
        def chunks():  # type: ignore[no-untyped-def]
            for i in range(0, len(big), 1000):
                yield big[i : i + 1000]

        r = c.post("/api/v1/check", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413 and "4096 bytes" in r.json()["detail"]
        # Under the limit still works.
        assert c.post("/api/v1/check", json={"name": "small"}).status_code == 200


def test_default_body_limit_is_2mb(client: TestClient) -> None:
    r = client.post("/api/v1/check", content=b" " * (2 * 1024 * 1024 + 1), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_a_bug_is_a_json_500_without_a_trace(client: TestClient, monkeypatch, graph) -> None:  # type: ignore[no-untyped-def]
    def broken(_graph):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr(shapes, "check", broken)
    r = client.post("/api/v1/check", json=graph)
    assert r.status_code == 500
    assert "secret" not in r.text and "internal server error" in r.json()["detail"]


def test_unknown_api_path_is_json_404(client: TestClient) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert client.get("/api").status_code == 404


def test_placeholder_when_front_end_not_built(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "not built" in r.text and "npm run build" in r.text


def test_serves_the_built_front_end(tmp_path: Path) -> None:
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<html>app shell</html>")
    (static / "assets" / "app-1234.js").write_text("console.log(1)")
    (static / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("do not serve")
    with TestClient(create_app(Settings(data_dir=tmp_path / "data", static_dir=static))) as c:
        assert c.get("/").text == "<html>app shell</html>"
        r = c.get("/assets/app-1234.js")
        assert r.text == "console.log(1)" and "immutable" in r.headers["cache-control"]
        assert c.get("/favicon.svg").text == "<svg/>"
        # The app's own routes survive a reload.
        assert c.get("/models/123/edit").text == "<html>app shell</html>"
        # A missing asset is a 404, not the page (a browser would try to run HTML as JS).
        assert c.get("/assets/gone.js").status_code == 404
        # Nothing outside the static folder.
        r = c.get("/..%2fsecret.txt")
        assert "do not serve" not in r.text
