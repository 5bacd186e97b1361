"""Saved models and their versions, on SQLite and on PostgreSQL (``store``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import PASSWORD, make_settings, mlp_graph, sign_up
from torchcanvas.api import create_app
from torchcanvas.graph.model import Graph
from torchcanvas.market.thumbnail import render_svg

API = "/api/v1/models"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'


def create(c: TestClient, **body: Any) -> dict[str, Any]:
    body.setdefault("graph", mlp_graph())
    r = c.post(API, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_save_edit_version_restore(store: TestClient) -> None:
    m = create(store, name="Först ✓", description="an MLP", thumbnail=SVG)
    mid = m["id"]
    assert m["version"] == 1 and m["name"] == "Först ✓" and m["thumbnail"] == SVG
    assert m["graph"]["nodes"][1]["params"] == {"out_features": 8}
    assert datetime.fromisoformat(m["created_at"]).tzinfo is not None
    assert store.get(f"{API}/{mid}").json() == m

    # PUT replaces everything: version 2.
    r = store.put(f"{API}/{mid}", json={"name": "Wide", "graph": mlp_graph(hidden=32)})
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert v2["version"] == 2 and v2["description"] == ""
    assert v2["thumbnail"].startswith("<svg") and ">Linear<" in v2["thumbnail"]  # drawn from the graph
    assert v2["graph"]["nodes"][1]["params"] == {"out_features": 32}
    assert v2["created_at"] == m["created_at"] and v2["updated_at"] >= m["updated_at"]

    # PATCH a field: version 3.
    v3 = store.patch(f"{API}/{mid}", json={"description": "wider"}).json()
    assert v3["version"] == 3 and v3["name"] == "Wide" and v3["description"] == "wider"

    # A thumbnail alone, or a save that changes nothing, adds no version.
    assert store.patch(f"{API}/{mid}", json={"thumbnail": SVG}).json()["version"] == 3
    same = store.patch(f"{API}/{mid}", json={"graph": mlp_graph(hidden=32)}).json()
    assert same["version"] == 3 and same["thumbnail"] == v2["thumbnail"]

    versions = store.get(f"{API}/{mid}/versions").json()
    assert [(v["number"], v["name"], v["note"]) for v in versions] == [
        (1, "Först ✓", "create"),
        (2, "Wide", "save"),
        (3, "Wide", "save"),
    ]
    v1 = store.get(f"{API}/{mid}/versions/1").json()
    assert v1["graph"] == m["graph"] and v1["description"] == "an MLP"

    # Restoring makes a new version with the old content; history is kept.
    r = store.post(f"{API}/{mid}/versions/1/restore")
    assert r.status_code == 200, r.text
    restored = r.json()
    assert restored["version"] == 4 and restored["name"] == "Först ✓" and restored["graph"] == m["graph"]
    assert store.get(f"{API}/{mid}/versions/4").json()["note"] == "restore:1"
    assert len(store.get(f"{API}/{mid}/versions").json()) == 4
    assert store.get(f"{API}/{mid}").json()["graph"] == m["graph"]


def test_list_duplicate_delete(store: TestClient) -> None:
    a = create(store, name="A")
    b = create(store, name="B")
    page = store.get(API).json()
    assert page["count"] == 2 and [i["name"] for i in page["items"]] == ["B", "A"]  # newest first
    assert "graph" not in page["items"][0]
    assert [i["name"] for i in store.get(f"{API}?limit=1&offset=1").json()["items"]] == ["A"]

    r = store.post(f"{API}/{a['id']}/duplicate")
    assert r.status_code == 201
    copy = r.json()
    assert copy["id"] != a["id"] and copy["name"] == "A (copy)" and copy["version"] == 1
    assert copy["graph"] == a["graph"]
    assert store.get(f"{API}/{copy['id']}/versions").json()[0]["note"] == "duplicate"

    assert store.delete(f"{API}/{a['id']}").status_code == 204
    assert store.get(f"{API}/{a['id']}").status_code == 404
    assert store.get(f"{API}/{a['id']}/versions").status_code == 404  # versions went with it
    assert {i["id"] for i in store.get(API).json()["items"]} == {b["id"], copy["id"]}


def test_missing_ids_are_404(store: TestClient) -> None:
    missing = f"{API}/{uuid.uuid4()}"
    for method, path, body in [
        ("GET", missing, None),
        ("PUT", missing, {"name": "x", "graph": mlp_graph()}),
        ("PATCH", missing, {"name": "x"}),
        ("DELETE", missing, None),
        ("POST", f"{missing}/duplicate", None),
        ("GET", f"{missing}/versions", None),
        ("GET", f"{missing}/versions/1", None),
        ("POST", f"{missing}/versions/1/restore", None),
    ]:
        r = store.request(method, path, json=body)
        assert r.status_code == 404, (method, path, r.text)
        assert "no saved model" in r.json()["detail"]
    m = create(store)
    r = store.get(f"{API}/{m['id']}/versions/9")
    assert r.status_code == 404 and "no version 9" in r.json()["detail"]
    assert store.post(f"{API}/{m['id']}/versions/9/restore").status_code == 404


def test_malformed_id_is_422(client: TestClient) -> None:
    r = client.get(f"{API}/not-a-uuid")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "model_id"]


def test_name_defaults_to_the_graph_name(client: TestClient) -> None:
    assert create(client, graph=mlp_graph(name="LeNet"))["name"] == "LeNet"


def test_work_in_progress_graphs_can_be_saved(client: TestClient) -> None:
    g = mlp_graph(hidden="eight")  # a user error the check reports, not a reason to lose work
    g["nodes"][2]["type"] = "NoSuchLayer"
    assert create(client, graph=g)["graph"]["nodes"][2]["type"] == "NoSuchLayer"


def test_invalid_documents_are_422_naming_the_field(client: TestClient) -> None:
    g = mlp_graph()
    g["nodes"][3]["colour"] = "red"
    r = client.post(API, json={"graph": g})
    assert r.status_code == 422
    [err] = r.json()["detail"]
    assert err["node"] == "fc2" and "colour" in err["message"]

    assert client.post(API, json={"name": "no graph"}).status_code == 422
    assert client.post(API, json={"graph": mlp_graph(), "name": ""}).status_code == 422

    m = create(client)
    r = client.patch(f"{API}/{m['id']}", json={"name": None})
    assert r.status_code == 422 and "name cannot be null" in r.json()["detail"][0]["message"]
    r = client.put(f"{API}/{m['id']}", json={"graph": mlp_graph()})  # PUT needs every required field
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "name"]


def test_without_a_thumbnail_the_card_shows_the_graphs_diagram(store: TestClient) -> None:
    """My models shows what the market shows: the diagram drawn from the graph (render_svg),
    redrawn on every save of the graph and on a restore; a picture sent with the body wins."""
    graph = mlp_graph()
    graph["nodes"][1]["name"] = "hidden"
    m = create(store, graph=graph)
    assert m["thumbnail"] == render_svg(Graph.model_validate(graph)) and ">hidden<" in m["thumbnail"]
    mid = m["id"]
    wide = store.put(f"{API}/{mid}", json={"name": "Wide", "graph": mlp_graph(hidden=32)}).json()
    assert ">hidden<" not in wide["thumbnail"] and wide["thumbnail"].startswith("<svg")
    restored = store.post(f"{API}/{mid}/versions/1/restore").json()
    assert restored["version"] == 3 and restored["thumbnail"] == m["thumbnail"]
    sent = store.patch(f"{API}/{mid}", json={"graph": mlp_graph(hidden=4), "thumbnail": SVG}).json()
    assert sent["thumbnail"] == SVG


def test_thumbnail_is_checked(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, max_thumbnail_chars=100))) as c:
        sign_up(c, "alice")
        ok = create(c, thumbnail="data:image/png;base64,iVBORw0KGgo=")
        assert ok["thumbnail"].startswith("data:image/png")
        r = c.post(API, json={"graph": mlp_graph(), "thumbnail": "javascript:alert(1)"})
        assert r.status_code == 422 and "data URL" in r.json()["detail"][0]["message"]
        r = c.patch(f"{API}/{ok['id']}", json={"thumbnail": "data:image/png;base64," + "A" * 200})
        assert r.status_code == 422
        [err] = r.json()["detail"]
        assert err["loc"] == ["body", "thumbnail"] and "limit of 100" in err["message"]
        # Removing it works.
        assert c.patch(f"{API}/{ok['id']}", json={"thumbnail": None}).json()["thumbnail"] is None


@pytest.mark.parametrize("limit", [0, -1])
def test_bad_page_params_are_422(client: TestClient, limit: int) -> None:
    assert client.get(f"{API}?limit={limit}").status_code == 422


def test_saved_models_survive_a_restart(tmp_path: Path, db_url: str) -> None:
    settings = make_settings(tmp_path, database_url=db_url)
    with TestClient(create_app(settings)) as c:
        sign_up(c, "alice")
        mid = create(c, name="kept")["id"]
    with TestClient(create_app(settings)) as c:
        r = c.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
        assert r.status_code == 200, r.text
        assert c.get(f"{API}/{mid}").json()["name"] == "kept"


def test_concurrent_saves_take_distinct_versions(db_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from torchcanvas.db import crud, make_engine, make_sessionmaker, upgrade

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        with sessions() as s:
            mid = crud.create(s, owner_id=None, name="m", description="", graph=mlp_graph(), thumbnail=None).id

        def save(i: int) -> int:
            with sessions() as s:
                model = crud.get(s, mid)
                assert model is not None
                return crud.update(s, model, {"description": f"edit {i}"}).version

        with ThreadPoolExecutor(4) as pool:
            got = sorted(pool.map(save, range(8)))
        assert got == list(range(2, 10))
        with sessions() as s:
            assert [v.number for v in crud.versions(s, mid)] == list(range(1, 10))
    finally:
        engine.dispose()


def test_a_script_saves_and_reads_with_a_token(bearer: TestClient, client: TestClient) -> None:
    m = create(bearer, name="from a script")
    assert m["owner"] == "alice" and m["can_edit"] is True
    assert client.get(f"{API}/{m['id']}").json()["name"] == "from a script"  # the same account
    assert bearer.patch(f"{API}/{m['id']}", json={"visibility": "unlisted"}).json()["visibility"] == "unlisted"
    assert [i["id"] for i in bearer.get(API).json()["items"]] == [m["id"]]
