"""A model's fork count follows its forks: up when one is made, down when one is deleted, by its
owner or with the owner's account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import PASSWORD, make_settings, mlp_graph, signed_in
from tests.api.market_support import account, publish, saved_model
from torchcanvas.api import create_app

API = "/api/v1"


@pytest.fixture
def c(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, market={"verify": False, "seed_examples": False})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def fork_count(c: TestClient, model_id: str) -> int:
    count: int = c.get(f"{API}/market/{model_id}").json()["fork_count"]
    return count


def test_deleting_forks_counts_them_down(c: TestClient) -> None:
    alice = account(c, "alice")
    mid = saved_model(c, alice, mlp_graph("TinyMLP"), visibility="public")
    publish(c, alice, mid)
    bob = account(c, "bob")
    first = c.post(f"{API}/market/{mid}/fork", headers=bob.headers).json()["id"]
    c.post(f"{API}/market/{mid}/fork", headers=bob.headers)
    assert fork_count(c, mid) == 2

    assert c.delete(f"{API}/models/{first}", headers=bob.headers).status_code == 204
    assert fork_count(c, mid) == 1

    # Carol forks, then deletes her account: her private fork goes, and the count with it.
    carol = signed_in(c.app, "carol")  # type: ignore[arg-type]
    assert carol.post(f"{API}/market/{mid}/fork").status_code == 201
    assert fork_count(c, mid) == 2
    r = carol.request("DELETE", f"{API}/auth/me", json={"password": PASSWORD})
    assert r.status_code == 204, r.text
    assert fork_count(c, mid) == 1
