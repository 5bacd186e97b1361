"""The market: publish, the model page, versions, forks, stars, comments, profiles, privacy."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import make_settings, mlp_graph
from tests.api.market_support import (
    Account,
    account,
    finished_run,
    publish,
    saved_model,
    set_visibility,
)
from torchcanvas.api import create_app

API = "/api/v1"
QUIET = {"verify": False, "seed_examples": False}


@pytest.fixture
def c(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, market=QUIET)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def alice(c: TestClient) -> Account:
    return account(c, "alice")


@pytest.fixture
def bob(c: TestClient) -> Account:
    return account(c, "bob")


@pytest.fixture
def mid(c: TestClient, alice: Account) -> str:
    return saved_model(c, alice, mlp_graph("TinyMLP"))


def test_publish_snapshots_the_current_version(c: TestClient, alice: Account, mid: str) -> None:
    v1 = publish(c, alice, mid, notes="first")
    assert v1["number"] == 1 and v1["model_version"] == 1 and v1["verified"] == "pending"
    page = c.get(f"{API}/market/{mid}").json()
    assert page["title"] == "Tiny MLP" and page["tags"] == ["tabular", "mlp"]
    assert page["description_html"] == "<p>A <strong>small</strong> model</p>\n"
    assert page["summary"] == "A small model"
    # 1*8+8 + 8*1+1 parameters; the task comes from the graph's data set (Regression1D).
    assert page["params"] == 25 and page["flops"] > 0 and page["task"] == "regression"
    assert page["dataset"] == "Regression1D" and page["owner"] == "alice" and page["version"] == 1
    assert page["thumbnail"].startswith("<svg") and ">Linear<" in page["thumbnail"]
    assert page["can_edit"] is False  # anonymous

    # The model changes; the publication does not. Publishing again adds version 2.
    changed = mlp_graph("TinyMLP", hidden=16)
    r = c.put(f"{API}/models/{mid}", json={"name": "TinyMLP", "graph": changed}, headers=alice.headers)
    assert r.status_code == 200, r.text
    v1_graph = c.get(f"{API}/market/{mid}/versions/1").json()["graph"]
    assert v1_graph["nodes"][1]["params"] == {"out_features": 8}
    v2 = publish(c, alice, mid, title="Wider", notes="wider")
    assert (v2["number"], v2["model_version"]) == (2, 2)
    page = c.get(f"{API}/market/{mid}", headers=alice.headers).json()
    assert page["title"] == "Wider" and page["version"] == 2 and page["params"] == 49 and page["can_edit"]
    assert [v["number"] for v in page["versions"]] == [1, 2]
    assert c.get(f"{API}/market/{mid}/versions/1").json()["title"] == "Tiny MLP"
    assert c.get(f"{API}/market/{mid}/versions/3").status_code == 404
    # Only the latest publication is listed.
    items = c.get(f"{API}/market").json()["items"]
    assert [(i["title"], i["version"]) for i in items] == [("Wider", 2)]


def test_only_the_owner_publishes(c: TestClient, alice: Account, bob: Account, mid: str) -> None:
    r = c.post(f"{API}/models/{mid}/publish", json={"title": "x"}, headers=bob.headers)
    assert r.status_code == 404
    r = c.post(f"{API}/models/{mid}/publish", json={"title": "x"})
    assert r.status_code == 401 and r.json()["detail"].startswith("sign in to publish")
    publish(c, alice, mid)
    # Public now: bob reads it, and still cannot publish it.
    assert c.get(f"{API}/market/{mid}", headers=bob.headers).status_code == 200
    assert c.post(f"{API}/models/{mid}/publish", json={"title": "x"}, headers=bob.headers).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"tags": ["x" * 31]}, "tags"),
        ({"title": ""}, "title"),
        ({"task": "translation"}, "task"),
        ({"visibility": "private"}, "visibility"),
    ],
)
def test_bad_cards_are_422_naming_the_field(
    c: TestClient, alice: Account, mid: str, body: dict[str, Any], field: str
) -> None:
    r = c.post(f"{API}/models/{mid}/publish", json={"title": "ok", **body}, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert field in str(r.json()["detail"])


def test_a_graph_with_errors_is_not_published(c: TestClient, alice: Account) -> None:
    broken = mlp_graph("Broken")
    broken["edges"] = broken["edges"][:2]  # fc2 and the output are cut off
    mid = saved_model(c, alice, broken)
    r = c.post(f"{API}/models/{mid}/publish", json={"title": "x"}, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert c.get(f"{API}/market/{mid}", headers=alice.headers).status_code == 404


def test_result_comes_from_a_succeeded_run_of_the_callers_model(
    c: TestClient, alice: Account, bob: Account, mid: str
) -> None:
    run = finished_run(c, alice, mid)
    v = publish(c, alice, mid, result_run_id=run)
    assert v["result"] == {
        "run_id": run,
        "metric": "test_acc",
        "value": 0.95,
        "dataset": "Regression1D",
        "epochs": 3,
        "seed": 7,
    }
    no_acc = finished_run(c, alice, mid, test_acc=None)
    assert publish(c, alice, mid, result_run_id=no_acc)["result"]["metric"] == "test_loss"

    failed = finished_run(c, alice, mid, status="failed")
    other_model = saved_model(c, alice, mlp_graph("Other"))
    elsewhere = finished_run(c, alice, other_model)
    bobs_model = saved_model(c, bob, mlp_graph("Bobs"))
    bobs_run = finished_run(c, bob, bobs_model)
    for run_id in (failed, elsewhere, bobs_run, 99999):
        r = c.post(f"{API}/models/{mid}/publish", json={"title": "x", "result_run_id": run_id}, headers=alice.headers)
        assert r.status_code == 422, r.text
        assert "result_run_id" in str(r.json()["detail"])


def test_private_models_are_404_for_others(c: TestClient, alice: Account, bob: Account, mid: str) -> None:
    publish(c, alice, mid)
    set_visibility(c, mid, "private")
    for headers in ({}, bob.headers):
        for path in ("", "/versions/1", "/comments"):
            assert c.get(f"{API}/market/{mid}{path}", headers=headers).status_code == 404
    assert c.put(f"{API}/market/{mid}/star", headers=bob.headers).status_code == 404
    assert c.post(f"{API}/market/{mid}/fork", headers=bob.headers).status_code == 404
    assert c.get(f"{API}/market/{mid}", headers=alice.headers).status_code == 200
    assert c.get(f"{API}/market").json()["count"] == 0
    assert c.get(f"{API}/users/alice").json()["models"] == []


def test_unlisted_is_readable_by_link_but_not_listed(c: TestClient, alice: Account, mid: str) -> None:
    publish(c, alice, mid, visibility="unlisted")
    assert c.get(f"{API}/market/{mid}").status_code == 200
    assert c.get(f"{API}/market").json()["count"] == 0
    assert c.get(f"{API}/users/alice").json()["models"] == []


def test_unpublished_models_have_no_market_page(c: TestClient, alice: Account, mid: str) -> None:
    set_visibility(c, mid, "public")
    assert c.get(f"{API}/market/{mid}").status_code == 404


def test_stars_are_idempotent_and_counted(c: TestClient, alice: Account, bob: Account, mid: str) -> None:
    publish(c, alice, mid)
    assert c.put(f"{API}/market/{mid}/star").status_code == 401
    for _ in range(2):
        assert c.put(f"{API}/market/{mid}/star", headers=bob.headers).json() == {"starred": True, "star_count": 1}
    assert c.put(f"{API}/market/{mid}/star", headers=alice.headers).json()["star_count"] == 2
    assert c.get(f"{API}/market/{mid}", headers=bob.headers).json()["starred"] is True
    assert c.get(f"{API}/market/{mid}").json()["starred"] is False
    for _ in range(2):
        assert c.delete(f"{API}/market/{mid}/star", headers=bob.headers).json() == {"starred": False, "star_count": 1}
    assert c.get(f"{API}/market").json()["items"][0]["star_count"] == 1
    c.put(f"{API}/market/{mid}/star", headers=bob.headers)
    assert [m["id"] for m in c.get(f"{API}/users/bob").json()["starred"]] == [mid]


def test_fork_copies_the_published_version_with_lineage(c: TestClient, alice: Account, bob: Account, mid: str) -> None:
    publish(c, alice, mid)
    r = c.put(
        f"{API}/models/{mid}", json={"name": "TinyMLP", "graph": mlp_graph("TinyMLP", hidden=32)}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    assert c.post(f"{API}/market/{mid}/fork").status_code == 401
    r = c.post(f"{API}/market/{mid}/fork", headers=bob.headers)
    assert r.status_code == 201, r.text
    fork = r.json()
    assert fork["graph"]["nodes"][1]["params"] == {"out_features": 8}  # v1 as published, not the later save
    assert fork["version"] == 1 and fork["id"] != mid
    page = c.get(f"{API}/market/{mid}").json()
    assert page["fork_count"] == 1 and page["forks"] == []  # the fork is private
    # Bob publishes his fork: it names its origin, and the original lists it.
    publish(c, bob, fork["id"], title="Bob's fork")
    bobs = c.get(f"{API}/market/{fork['id']}").json()
    assert bobs["forked_from"] == {"model_id": mid, "owner": "alice", "name": "TinyMLP", "version": 1}
    assert c.get(f"{API}/market/{mid}").json()["forks"] == [{"id": fork["id"], "name": "TinyMLP", "owner": "bob"}]


def test_comments_follow_the_policy(c: TestClient, alice: Account, bob: Account, mid: str) -> None:
    carol, admin = account(c, "carol"), account(c, "root", admin=True)
    publish(c, alice, mid)
    assert c.post(f"{API}/market/{mid}/comments", json={"body": "hi"}).status_code == 401
    r = c.post(f"{API}/market/{mid}/comments", json={"body": "Nice *model*"}, headers=bob.headers)
    assert r.status_code == 201, r.text
    com = r.json()
    assert com["author"] == "bob" and com["body_html"] == "<p>Nice <em>model</em></p>\n"
    assert com["can_edit"] and com["can_delete"]
    listed = c.get(f"{API}/market/{mid}/comments", headers=alice.headers).json()
    assert [(x["can_edit"], x["can_delete"]) for x in listed] == [(False, True)]  # the model's owner

    cid = com["id"]
    assert c.patch(f"{API}/comments/{cid}", json={"body": "x"}, headers=alice.headers).status_code == 404
    assert c.patch(f"{API}/comments/{cid}", json={"body": "x"}, headers=admin.headers).status_code == 404
    r = c.patch(f"{API}/comments/{cid}", json={"body": "Edited"}, headers=bob.headers)
    assert r.status_code == 200 and r.json()["body"] == "Edited"
    assert c.delete(f"{API}/comments/{cid}", headers=carol.headers).status_code == 404
    assert c.delete(f"{API}/comments/{cid}", headers=alice.headers).status_code == 204  # owner moderates
    for who in (bob, admin):
        new = c.post(f"{API}/market/{mid}/comments", json={"body": "again"}, headers=bob.headers).json()
        assert c.delete(f"{API}/comments/{new['id']}", headers=who.headers).status_code == 204
    assert c.get(f"{API}/market/{mid}/comments").json() == []
    assert c.delete(f"{API}/comments/{cid}", headers=bob.headers).status_code == 404


XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    '<svg onload="alert(1)"><circle/></svg>',
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![i](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<a href='javascript:alert(1)'>a</a>",
    "[y](JaVaScRiPt:alert(1))",
]


class _Elements(HTMLParser):
    """Every element of an HTML fragment with its attributes (escaped text is just text)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _assert_inert(html: str) -> None:
    for tag, attrs in _Elements(html).found:
        assert tag not in {"script", "img", "svg", "iframe", "object", "style"}, html
        assert not any(name.startswith("on") or name in {"src", "style"} for name in attrs), html
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("https:", "http:", "mailto:")), html
        if tag == "a" and href:
            assert attrs.get("rel") == "nofollow noopener", html


@pytest.mark.parametrize("payload", XSS)
def test_markdown_is_sanitised(c: TestClient, alice: Account, bob: Account, mid: str, payload: str) -> None:
    publish(c, alice, mid, description=f"Hello {payload} [ok](https://example.com)")
    html = c.get(f"{API}/market/{mid}").json()["description_html"]
    _assert_inert(html)
    assert '<a href="https://example.com" rel="nofollow noopener">ok</a>' in html
    r = c.post(f"{API}/market/{mid}/comments", json={"body": payload}, headers=bob.headers)
    _assert_inert(r.json()["body_html"])


def test_profiles(c: TestClient, alice: Account, bob: Account, mid: str) -> None:
    publish(c, alice, mid)
    profile = c.get(f"{API}/users/ALICE").json()
    assert profile["username"] == "alice" and [m["id"] for m in profile["models"]] == [mid]
    assert profile["starred"] == []
    assert c.get(f"{API}/users/nobody").status_code == 404


def test_forks_count_against_the_saved_models_quota(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, market=QUIET, quotas={"models": 1})
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        alice, bob = account(c, "alice"), account(c, "bob")
        mid = saved_model(c, alice, mlp_graph("TinyMLP"))
        publish(c, alice, mid)
        assert c.post(f"{API}/market/{mid}/fork", headers=bob.headers).status_code == 201
        r = c.post(f"{API}/market/{mid}/fork", headers=bob.headers)
        assert r.status_code == 429 and "quota: saved models (1 of 1)" in r.json()["detail"]
