from __future__ import annotations

from fastapi.testclient import TestClient

from torchcanvas.catalog import catalog


def test_catalog_is_the_registry(client: TestClient) -> None:
    r = client.get("/api/v1/catalog")
    assert r.status_code == 200
    body = r.json()
    assert body == catalog().model_dump(mode="json")
    assert body["layers"]["Linear"]["params"][0]["name"] == "in_features"


def test_catalog_etag_revalidates(client: TestClient) -> None:
    r = client.get("/api/v1/catalog")
    etag = r.headers["etag"]
    assert etag.startswith('"') and r.headers["cache-control"] == "no-cache"
    r2 = client.get("/api/v1/catalog", headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""
    assert client.get("/api/v1/catalog", headers={"If-None-Match": '"other"'}).status_code == 200


def test_catalog_is_compressed(client: TestClient) -> None:
    r = client.get("/api/v1/catalog", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
