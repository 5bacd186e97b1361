"""Searching the market, on SQLite (FTS5) and PostgreSQL (tsvector): text, filters, sorts, pages."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.api.api_support import make_settings, mlp_graph
from tests.api.market_support import Account, account, publish, saved_model
from torchcanvas.api import create_app
from torchcanvas.db.models import Publication, SavedModel, Star, utcnow

API = "/api/v1"


@pytest.fixture
def c(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, database_url=db_url, market={"verify": False, "seed_examples": False})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _conv_graph(name: str) -> dict[str, Any]:
    g = mlp_graph(name)
    g["nodes"][2] = {"id": "act", "kind": "layer", "type": "GELU"}
    return g


def _titles(c: TestClient, **params: Any) -> list[str]:
    r = c.get(f"{API}/market", params=params)
    assert r.status_code == 200, r.text
    return [i["title"] for i in r.json()["items"]]


@pytest.fixture
def three(c: TestClient) -> dict[str, str]:
    """Three public models: a, b, c by title, with different text, sizes and tasks."""
    alice = account(c, "alice")
    ids = {
        "Alpha ResNet": saved_model(c, alice, mlp_graph("A", hidden=4)),
        "Beta tagger": saved_model(c, alice, _conv_graph("B")),
        "Gamma big": saved_model(c, alice, mlp_graph("C", hidden=64)),
    }
    publish(c, alice, ids["Alpha ResNet"], title="Alpha ResNet", description="residual blocks", tags=["vision"])
    publish(c, alice, ids["Beta tagger"], title="Beta tagger", description="plain", tags=["nlp"], task="other")
    publish(c, alice, ids["Gamma big"], title="Gamma big", description="a wide one", tags=["tabular"], dataset="Iris")
    return ids


def test_full_text_over_title_description_tags_and_layers(c: TestClient, three: dict[str, str]) -> None:
    assert _titles(c, q="resnet") == ["Alpha ResNet"]  # title, any case
    assert _titles(c, q="residual") == ["Alpha ResNet"]  # description, stemmed
    assert _titles(c, q="nlp") == ["Beta tagger"]  # tags
    assert _titles(c, q="gelu") == ["Beta tagger"]  # layer types
    assert _titles(c, q="res") == ["Alpha ResNet"]  # a prefix
    assert _titles(c, q="alpha vision") == ["Alpha ResNet"]  # every word must match
    assert sorted(_titles(c, q="linear")) == ["Alpha ResNet", "Beta tagger", "Gamma big"]
    assert _titles(c, q="nothing-like-this") == []
    # Query syntax of either engine is just text here.
    for hostile in ('"', "a OR b", "NEAR(x y)", "x:*", "!&|()", "title:alpha", "-", "*"):
        assert c.get(f"{API}/market", params={"q": hostile}).status_code == 200


def test_relevance_puts_title_matches_first(c: TestClient) -> None:
    alice = account(c, "alice")
    body = saved_model(c, alice, mlp_graph("X"))
    title = saved_model(c, alice, mlp_graph("Y"))
    publish(c, alice, body, title="Other", description="mentions a transformer once")
    publish(c, alice, title, title="Transformer", description="plain")
    assert _titles(c, q="transformer") == ["Transformer", "Other"]


def test_filters(c: TestClient, three: dict[str, str]) -> None:
    assert sorted(_titles(c, task="regression")) == ["Alpha ResNet", "Gamma big"]
    assert _titles(c, task="other") == ["Beta tagger"]
    assert _titles(c, dataset="Iris") == ["Gamma big"]
    # Params: A 4+4+4+1 = 13, B (hidden 8) 25, C 64+64+64+1 = 193.
    assert sorted(_titles(c, min_params=20, max_params=200)) == ["Beta tagger", "Gamma big"]
    assert _titles(c, max_params=13) == ["Alpha ResNet"]
    assert _titles(c, verified="true") == []
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        db.execute(update(Publication).where(Publication.title == "Gamma big").values(verified="passed"))
        db.commit()
    assert _titles(c, verified="true") == ["Gamma big"]
    assert _titles(c, verified="true", q="wide") == ["Gamma big"]


def _star(c: TestClient, user: Account, model_id: str, days_ago: float) -> None:
    assert c.put(f"{API}/market/{model_id}/star", headers=user.headers).status_code == 200
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        db.execute(
            update(Star)
            .where(Star.user_id == user.id, Star.model_id == uuid.UUID(model_id))
            .values(created_at=utcnow() - timedelta(days=days_ago))
        )
        db.commit()


def test_sorts(c: TestClient, three: dict[str, str]) -> None:
    fans = [account(c, f"fan{i}") for i in range(3)]
    # Alpha: 3 old stars. Beta: 1 recent star. Gamma: none, but forked twice.
    for fan in fans:
        _star(c, fan, three["Alpha ResNet"], days_ago=30)
    _star(c, fans[0], three["Beta tagger"], days_ago=1)
    for fan in fans[:2]:
        assert c.post(f"{API}/market/{three['Gamma big']}/fork", headers=fan.headers).status_code == 201

    assert _titles(c) == ["Alpha ResNet", "Beta tagger", "Gamma big"]  # stars, by default
    # Beta has the only star of the last 7 days; then by stars.
    assert _titles(c, sort="trending") == ["Beta tagger", "Alpha ResNet", "Gamma big"]
    pages = [_titles(c, sort="trending", page=p, page_size=1) for p in (1, 2, 3, 4)]
    assert pages == [["Beta tagger"], ["Alpha ResNet"], ["Gamma big"], []]
    assert _titles(c, sort="trending", q="gamma") == ["Gamma big"]
    assert _titles(c, sort="forks")[0] == "Gamma big"
    assert _titles(c, sort="newest") == ["Gamma big", "Beta tagger", "Alpha ResNet"]


def test_pages(c: TestClient, three: dict[str, str]) -> None:
    seen: list[str] = []
    for page in (1, 2):
        r = c.get(f"{API}/market", params={"sort": "newest", "page": page, "page_size": 2}).json()
        assert r["count"] == 3 and r["page"] == page and r["page_size"] == 2
        seen += [i["title"] for i in r["items"]]
    assert seen == ["Gamma big", "Beta tagger", "Alpha ResNet"]
    assert c.get(f"{API}/market", params={"page": 3, "page_size": 2}).json()["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 101},
        {"page_size": 0},
        {"page": 0},
        {"q": "x" * 201},
        {"sort": "random"},
        {"task": "x"},
        {"min_params": -1},
    ],
)
def test_bad_queries_are_422(c: TestClient, params: dict[str, Any]) -> None:
    assert c.get(f"{API}/market", params=params).status_code == 422


def test_deleted_models_leave_the_index(c: TestClient, three: dict[str, str]) -> None:
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        model = db.get(SavedModel, uuid.UUID(three["Alpha ResNet"]))
        db.delete(model)
        db.commit()
    assert _titles(c, q="resnet") == []
    assert c.get(f"{API}/market").json()["count"] == 2
