"""NUL characters in text are refused with a 400 before any query: PostgreSQL cannot store them
(an error deep in a query, a 500), and SQLite would keep a string that PostgreSQL could not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import make_settings, mlp_graph, sign_up
from torchcanvas.api import create_app

API = "/api/v1"


@pytest.fixture
def c(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, database_url=db_url)), raise_server_exceptions=False) as client:
        sign_up(client, "alice")
        yield client


@pytest.mark.parametrize("url", ["/users/al%00ice", "/market?q=res%00net", "/market?dataset=%00"])
def test_a_nul_in_the_url_is_400(c: TestClient, url: str) -> None:
    r = c.get(API + url)
    assert r.status_code == 400 and "NUL" in r.json()["detail"], r.text


def test_a_nul_in_json_text_is_400(c: TestClient) -> None:
    body = json.dumps({"graph": mlp_graph("M"), "description": "a\x00b"})  # written as "a\u0000b"
    r = c.post(f"{API}/models", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "NUL" in r.json()["detail"], r.text


def test_the_text_backslash_u0000_is_kept(c: TestClient) -> None:
    # A description that *shows* the escape (a backslash, then u0000) is ordinary text.
    r = c.post(f"{API}/models", json={"graph": mlp_graph("M"), "description": "write it as \\u0000"})
    assert r.status_code == 201, r.text
    assert r.json()["description"] == "write it as \\u0000"
