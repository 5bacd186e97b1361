"""Helpers shared by the API tests (a module of its own: test files cannot import conftest
reliably when other test folders have one too)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from torchcanvas.auth import secrets
from torchcanvas.settings import Settings


def mlp_graph(name: str = "MLP", hidden: Any = 8) -> dict[str, Any]:
    """input (B, 1) -> Linear(hidden) -> ReLU -> Linear(1) -> output: fits the default training
    config (Regression1D with MSELoss), so a check of it has no issues at all."""
    chain = ["x", "fc1", "act", "fc2", "y"]
    return {
        "schema_version": 1,
        "name": name,
        "nodes": [
            {"id": "x", "kind": "input", "shape": ["B", 1]},
            {"id": "fc1", "kind": "layer", "type": "Linear", "params": {"out_features": hidden}},
            {"id": "act", "kind": "layer", "type": "ReLU"},
            {"id": "fc2", "kind": "layer", "type": "Linear", "params": {"out_features": 1}},
            {"id": "y", "kind": "output"},
        ],
        "edges": [
            {"source": {"node": a, "port": "out"}, "target": {"node": b, "port": "in"}}
            for a, b in itertools.pairwise(chain)
        ],
    }


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": None,
        "static_dir": tmp_path / "static",
        "examples_dir": tmp_path / "examples",
        **overrides,
    }
    return Settings(**values)


# --- accounts ---------------------------------------------------------------------------------
AUTH = "/api/v1/auth"
PASSWORD = "correct horse battery"


def sign_up(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign ``client`` up as ``username``: it then carries the session cookie and the CSRF header,
    as the browser app does. Returns the account (``Me``)."""
    r = client.post(f"{AUTH}/signup", json={"username": username, "password": password})
    assert r.status_code == 201, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    user: dict[str, Any] = r.json()["user"]
    return user


def signed_in(app: FastAPI, username: str) -> TestClient:
    """Another browser on the same app, signed up as ``username`` (the app's lifespan is the
    first client's: this one only sends requests)."""
    client = TestClient(app, raise_server_exceptions=False)
    sign_up(client, username)
    return client


def with_token(client: TestClient, name: str = "script") -> TestClient:
    """A client for ``client``'s account that sends a personal API token (no cookie, no CSRF)."""
    r = client.post(f"{AUTH}/tokens", json={"name": name})
    assert r.status_code == 201, r.text
    return TestClient(
        client.app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {r.json()['token']}"}
    )


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 with its smallest costs in tests: the server's (64 MiB, 3 passes, 4 lanes) takes a
    second per hash on a busy 2-core machine, and the tests hash hundreds of passwords. The
    hashes are still argon2id, verified the same way."""
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(secrets, "_hasher", cheap)
        mp.setattr(secrets, "_DUMMY_HASH", cheap.hash("not a password anyone has"))
        yield
