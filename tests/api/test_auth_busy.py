"""Password hashing is bounded: with every slot taken, a sign-in is told the server is busy."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import make_settings
from torchcanvas.api import create_app
from torchcanvas.auth import secrets


def test_a_sign_in_past_the_hashing_slots_is_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "HASH_WAIT_S", 0.05)
    with TestClient(create_app(make_settings(tmp_path)), raise_server_exceptions=False) as c:
        for _ in range(secrets.HASH_SLOTS):  # as if that many sign-ins were hashing right now
            assert secrets._slots.acquire(timeout=1)
        try:
            r = c.post("/api/v1/auth/login", json={"username": "alice", "password": "a password"})
        finally:
            for _ in range(secrets.HASH_SLOTS):
                secrets._slots.release()
        assert r.status_code == 503 and r.headers["retry-after"] == "1", r.text
        assert "too many sign-ins" in r.json()["detail"]
        # The slots free again: the same request is answered as usual.
        r = c.post("/api/v1/auth/login", json={"username": "alice", "password": "a password"})
        assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"
