"""Accounts: sign-up, sessions and their cookie, CSRF, expiry, logout, the login rate limit, API
tokens, password change, account deletion, closed sign-up, and the per-user quotas."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.api.api_support import AUTH, PASSWORD, make_settings, mlp_graph, sign_up, signed_in, with_token
from torchcanvas.api import create_app
from torchcanvas.auth.config import AuthSettings, Quotas
from torchcanvas.db.models import AuthSession, Run, SavedModel, Star, utcnow
from torchcanvas.worker import Worker

API = "/api/v1"
CSRF_REFUSED = "missing or wrong CSRF token; reload the page"


def _app_client(tmp_path: Path, **settings: Any) -> Iterator[TestClient]:
    with TestClient(
        create_app(make_settings(tmp_path, run_warm_start=False, **settings)), raise_server_exceptions=False
    ) as c:
        c.app.state.runner.stop()  # type: ignore[attr-defined]  # runs stay queued: nothing trains
        yield c


@pytest.fixture
def anon(tmp_path: Path) -> Iterator[TestClient]:
    """A client of nobody, on a fresh app."""
    yield from _app_client(tmp_path)


def _login(client: TestClient, username: str, password: str = PASSWORD, **headers: str) -> Any:
    return client.post(f"{AUTH}/login", json={"username": username, "password": password}, headers=headers)


def _cookie_header(response: Any) -> str:
    return next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("tc_session="))


# --- sign-up, sign-in, the cookie ----------------------------------------------------------------


def test_signup_login_me(anon: TestClient) -> None:
    me = anon.get(f"{AUTH}/me").json()
    assert me == {"user": None, "csrf_token": None, "signup_open": True}

    r = anon.post(f"{AUTH}/signup", json={"username": "Alice", "password": PASSWORD, "email": "a@example.org"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["user"]["username"] == "alice" and body["user"]["is_admin"] is True  # the first account
    assert body["user"]["email"] == "a@example.org" and body["csrf_token"]
    me = anon.get(f"{AUTH}/me").json()
    assert me["user"] == body["user"] and me["csrf_token"] == body["csrf_token"]

    bob = TestClient(anon.app)
    r = bob.post(f"{AUTH}/signup", json={"username": "bob", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["user"]["is_admin"] is False
    taken = TestClient(anon.app).post(f"{AUTH}/signup", json={"username": "ALICE", "password": PASSWORD})
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]

    assert _login(TestClient(anon.app), "ALICE").status_code == 200  # names are case-insensitive
    for wrong in (("alice", "not the password"), ("nobody", PASSWORD)):
        r = _login(TestClient(anon.app), *wrong)
        assert r.status_code == 401 and r.json() == {"detail": "wrong username or password"}


@pytest.mark.parametrize(
    "body",
    [
        {"username": "a", "password": PASSWORD},  # too short
        {"username": "-alice", "password": PASSWORD},
        {"username": "al ice", "password": PASSWORD},
        {"username": "a" * 40, "password": PASSWORD},
        {"username": "alice", "password": "short"},
        {"username": "alice", "password": "x" * 201},
        {"username": "alice", "password": PASSWORD, "email": "not an address"},
    ],
)
def test_signup_refuses_bad_names_and_passwords(anon: TestClient, body: dict[str, Any]) -> None:
    assert anon.post(f"{AUTH}/signup", json=body).status_code == 422


def test_the_session_cookie(anon: TestClient) -> None:
    r = anon.post(f"{AUTH}/signup", json={"username": "alice", "password": PASSWORD})
    cookie = _cookie_header(r).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert f"max-age={14 * 24 * 3600}" in cookie and "secure" not in cookie

    https = TestClient(anon.app, base_url="https://testserver")
    assert "secure" in _cookie_header(_login(https, "alice")).lower()
    # A proxy's header is believed only when a setting says the proxy is ours.
    forwarded = _login(TestClient(anon.app), "alice", **{"X-Forwarded-Proto": "https"})
    assert "secure" not in _cookie_header(forwarded).lower()


def test_behind_a_trusted_proxy_the_cookie_is_secure(tmp_path: Path) -> None:
    for client in _app_client(tmp_path, auth=AuthSettings(trust_proxy_headers=True, session_ttl_hours=1)):
        r = client.post(
            f"{AUTH}/signup", json={"username": "alice", "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
        )
        cookie = _cookie_header(r).lower()
        assert "secure" in cookie and "max-age=3600" in cookie


# --- CSRF, expiry, logout ----------------------------------------------------------------------


def test_csrf(anon: TestClient) -> None:
    sign_up(anon, "alice")
    token = anon.headers.pop("X-CSRF-Token")
    r = anon.post(f"{API}/models", json={"graph": mlp_graph()})
    assert r.status_code == 403 and r.json() == {"detail": CSRF_REFUSED}
    r = anon.post(f"{API}/models", json={"graph": mlp_graph()}, headers={"X-CSRF-Token": token[:-1] + "x"})
    assert r.status_code == 403
    assert anon.get(f"{API}/models").status_code == 200  # reading needs no token
    assert anon.post(f"{API}/models", json={"graph": mlp_graph()}, headers={"X-CSRF-Token": token}).status_code == 201

    anon.headers["X-CSRF-Token"] = token
    script = with_token(anon)  # a bearer token needs no CSRF header
    assert "X-CSRF-Token" not in script.headers and not script.cookies
    assert script.post(f"{API}/models", json={"graph": mlp_graph()}).status_code == 201


def test_an_expired_session_is_anonymous(anon: TestClient) -> None:
    sign_up(anon, "alice")
    with anon.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        db.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    assert anon.get(f"{AUTH}/me").json()["user"] is None
    r = anon.post(f"{API}/models", json={"graph": mlp_graph()})
    assert r.status_code == 401 and r.json()["detail"].startswith("sign in to save")


def test_logout_ends_the_session_on_the_server(anon: TestClient) -> None:
    sign_up(anon, "alice")
    cookie = anon.cookies["tc_session"]
    r = anon.post(f"{AUTH}/logout")
    assert r.status_code == 204 and 'tc_session=""' in _cookie_header(r)
    replay = TestClient(anon.app, cookies={"tc_session": cookie})  # the old cookie, kept by a thief
    assert replay.get(f"{AUTH}/me").json()["user"] is None
    assert replay.get(f"{API}/models").status_code == 401


# --- the login rate limit ----------------------------------------------------------------------


def test_login_rate_limit_per_username(tmp_path: Path) -> None:
    limits = AuthSettings(login_failures_per_user=3, login_failures_per_ip=100, trust_proxy_headers=True)
    for client in _app_client(tmp_path, auth=limits):
        sign_up(TestClient(client.app), "alice")
        for i in range(3):  # from three addresses: the name's limit counts them all
            assert _login(client, "alice", "wrong password", **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 401
        r = _login(client, "alice", **{"X-Forwarded-For": "10.0.0.9"})  # even the right password waits
        assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 15 * 60
        assert "try again in" in r.json()["detail"]
        assert _login(client, "bob", "whatever!", **{"X-Forwarded-For": "10.0.0.9"}).status_code == 401


def test_login_rate_limit_per_address(tmp_path: Path) -> None:
    limits = AuthSettings(login_failures_per_user=100, login_failures_per_ip=4)
    for client in _app_client(tmp_path, auth=limits):
        sign_up(TestClient(client.app), "alice")
        for name in ("a1", "a2", "a3", "a4"):
            assert _login(client, name, "wrong password").status_code == 401
        assert _login(client, "alice").status_code == 429
        # X-Forwarded-For from an untrusted client changes nothing: the limit holds.
        assert _login(client, "alice", **{"X-Forwarded-For": "192.0.2.1"}).status_code == 429


def test_a_success_clears_the_names_failures(tmp_path: Path) -> None:
    for client in _app_client(tmp_path, auth=AuthSettings(login_failures_per_user=2)):
        sign_up(TestClient(client.app), "alice")
        assert _login(client, "alice", "wrong password").status_code == 401
        assert _login(client, "alice").status_code == 200
        assert _login(client, "alice", "wrong password").status_code == 401
        assert _login(client, "alice").status_code == 200


# --- API tokens ----------------------------------------------------------------------------------


def test_tokens_create_list_use_revoke(anon: TestClient) -> None:
    sign_up(anon, "alice")
    r = anon.post(f"{AUTH}/tokens", json={"name": "laptop"})
    assert r.status_code == 201
    token = r.json()
    assert token["token"].startswith("tc_") and token["token"].startswith(token["prefix"])
    script = TestClient(anon.app, headers={"Authorization": f"Bearer {token['token']}"})
    assert script.get(f"{AUTH}/me").json()["user"]["username"] == "alice"
    [listed] = anon.get(f"{AUTH}/tokens").json()
    assert "token" not in listed and listed["name"] == "laptop" and listed["last_used_at"] is not None

    bob = signed_in(anon.app, "bob")
    assert bob.delete(f"{AUTH}/tokens/{token['id']}").status_code == 404  # not bob's
    assert anon.delete(f"{AUTH}/tokens/{token['id']}").status_code == 204
    r = script.get(f"{API}/models")
    assert r.status_code == 401 and "unknown or revoked" in r.json()["detail"]
    assert anon.get(f"{AUTH}/tokens").json() == []
    # A made-up token is refused, not taken for an anonymous call.
    assert TestClient(anon.app, headers={"Authorization": "Bearer tc_madeup"}).get(f"{AUTH}/me").status_code == 401


# --- password, deletion, closed sign-up ------------------------------------------------------------


def test_password_change_ends_the_other_sessions(anon: TestClient) -> None:
    sign_up(anon, "alice")
    laptop = TestClient(anon.app)
    assert _login(laptop, "alice").status_code == 200
    r = anon.post(f"{AUTH}/password", json={"current_password": "not it at all", "new_password": "a new password"})
    assert r.status_code == 403
    r = anon.post(f"{AUTH}/password", json={"current_password": PASSWORD, "new_password": "a new password"})
    assert r.status_code == 204
    assert laptop.get(f"{AUTH}/me").json()["user"] is None
    assert anon.get(f"{AUTH}/me").json()["user"]["username"] == "alice"  # this browser stays in
    assert _login(TestClient(anon.app), "alice").status_code == 401
    assert _login(TestClient(anon.app), "alice", "a new password").status_code == 200


def _model(client: TestClient, visibility: str) -> str:
    model_id: str = client.post(f"{API}/models", json={"graph": mlp_graph()}).json()["id"]
    assert client.patch(f"{API}/models/{model_id}", json={"visibility": visibility}).status_code == 200
    return model_id


@pytest.mark.parametrize("delete_public", [False, True])
def test_deleting_an_account(anon: TestClient, delete_public: bool) -> None:
    sign_up(anon, "root")
    alice = signed_in(anon.app, "alice")
    models = {v: _model(alice, v) for v in ("private", "unlisted", "public")}
    starred = _model(anon, "public")
    with anon.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        db.add(Star(user_id=2, model_id=uuid.UUID(starred)))
        db.execute(update(SavedModel).values(star_count=1))
        db.commit()
    run = alice.post(f"{API}/runs", json={"model_id": models["private"]}).json()["id"]

    r = alice.request("DELETE", f"{AUTH}/me", json={"password": "not the password"})
    assert r.status_code == 403
    r = alice.request("DELETE", f"{AUTH}/me", json={"password": PASSWORD, "delete_public_models": delete_public})
    assert r.status_code == 204
    assert alice.get(f"{AUTH}/me").json()["user"] is None
    assert _login(TestClient(anon.app), "alice").status_code == 401

    assert anon.get(f"{API}/models/{models['private']}").status_code == 404  # even for the admin
    assert anon.get(f"{API}/models/{models['unlisted']}").status_code == 404
    assert anon.get(f"{API}/runs/{run}").status_code == 404
    assert not anon.app.state.runner.run_dir(run).exists()  # type: ignore[attr-defined]
    public = anon.get(f"{API}/models/{models['public']}")
    if delete_public:
        assert public.status_code == 404
    else:
        assert public.status_code == 200 and public.json()["owner"] is None  # "deleted user"
    assert anon.get(f"{API}/models/{starred}").json()["star_count"] == 0  # the star went too


def test_closed_signup(tmp_path: Path) -> None:
    for root in _app_client(tmp_path):
        sign_up(root, "root")  # the first account, while sign-up was open
        root.app.state.settings.auth.signup_open = False  # type: ignore[attr-defined]
        closed = {"detail": "sign-up is closed; ask the admin for an account"}
        anon = TestClient(root.app)
        r = anon.post(f"{AUTH}/signup", json={"username": "eve", "password": PASSWORD})
        assert r.status_code == 403 and r.json() == closed
        assert anon.get(f"{AUTH}/me").json()["signup_open"] is False

        r = root.post(f"{AUTH}/signup", json={"username": "bob", "password": PASSWORD})
        assert r.status_code == 201 and r.json()["csrf_token"] is None and "set-cookie" not in r.headers
        assert r.json()["user"]["is_admin"] is False
        assert root.get(f"{AUTH}/me").json()["user"]["username"] == "root"  # still the admin's browser

        bob = TestClient(root.app)
        bob.headers["X-CSRF-Token"] = _login(bob, "bob").json()["csrf_token"]
        assert bob.post(f"{AUTH}/signup", json={"username": "eve", "password": PASSWORD}).json() == closed


# --- quotas --------------------------------------------------------------------------------------


def test_quota_of_saved_models(tmp_path: Path) -> None:
    for client in _app_client(tmp_path, quotas=Quotas(models=2)):
        sign_up(client, "alice")
        first = client.post(f"{API}/models", json={"graph": mlp_graph()}).json()["id"]
        assert client.post(f"{API}/models", json={"graph": mlp_graph()}).status_code == 201
        for r in (
            client.post(f"{API}/models", json={"graph": mlp_graph()}),
            client.post(f"{API}/models/{first}/duplicate"),
        ):
            assert r.status_code == 429
            assert r.json()["detail"] == (
                "quota: saved models (2 of 2); delete a model or ask the admin to raise TORCHCANVAS_QUOTAS__MODELS"
            )
        assert signed_in(client.app, "bob").post(f"{API}/models", json={"graph": mlp_graph()}).status_code == 201


def test_quota_of_queued_runs(tmp_path: Path) -> None:
    for client in _app_client(tmp_path, quotas=Quotas(queued_runs=2)):
        sign_up(client, "alice")
        assert client.post(f"{API}/runs", json={"graph": mlp_graph()}).status_code == 201
        axes = [{"path": "training.lr", "values": [0.1, 0.2]}]
        r = client.post(f"{API}/experiments", json={"graph": mlp_graph(), "axes": axes})
        assert r.status_code == 429 and r.json()["detail"].startswith("quota: queued runs (1 of 2)")
        assert client.post(f"{API}/runs", json={"graph": mlp_graph()}).status_code == 201
        r = client.post(f"{API}/runs", json={"graph": mlp_graph()})
        assert r.status_code == 429 and "TORCHCANVAS_QUOTAS__QUEUED_RUNS" in r.json()["detail"]
        assert signed_in(client.app, "bob").post(f"{API}/runs", json={"graph": mlp_graph()}).status_code == 201


def test_quota_of_run_storage(tmp_path: Path) -> None:
    for client in _app_client(tmp_path, quotas=Quotas(storage_mib=1)):
        sign_up(client, "alice")
        run = client.post(f"{API}/runs", json={"graph": mlp_graph()}).json()["id"]
        folder = client.app.state.runner.run_dir(run) / "runs"  # type: ignore[attr-defined]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "checkpoint.pt").write_bytes(b"\0" * (1024 * 1024 + 1))
        r = client.post(f"{API}/runs", json={"graph": mlp_graph()})
        assert r.status_code == 429 and r.json()["detail"].startswith("quota: run storage in MiB (1 of 1)")
        assert signed_in(client.app, "bob").post(f"{API}/runs", json={"graph": mlp_graph()}).status_code == 201


def test_quota_of_concurrent_runs(tmp_path: Path) -> None:
    """The runner takes the oldest queued run of a user below their quota of runs at once."""
    for client in _app_client(tmp_path, quotas=Quotas(concurrent_runs=1)):
        sign_up(client, "alice")
        bob = signed_in(client.app, "bob")
        a1, a2 = (client.post(f"{API}/runs", json={"graph": mlp_graph()}).json()["id"] for _ in range(2))
        b1 = bob.post(f"{API}/runs", json={"graph": mlp_graph()}).json()["id"]
        # A worker's claims, one at a time (the app's own worker is stopped: nothing runs).
        runner = Worker(client.app.state.sessionmaker, client.app.state.settings)  # type: ignore[attr-defined]
        assert runner._claim_next()[0] == a1  # nobody runs anything: the oldest
        assert runner._claim_next()[0] == b1  # alice is at her quota: bob's, though a2 is older
        assert runner._claim_next() is None
        with client.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
            db.execute(update(Run).where(Run.id == a1).values(status="succeeded"))
            db.commit()
            assert db.scalar(select(Run.status).where(Run.id == a2)) == "queued"
        assert runner._claim_next()[0] == a2


def test_the_examples_account_is_not_the_first_account(anon: TestClient) -> None:
    """The market's built-in account (no password) exists before anyone signs up: the first
    person to sign up is still the admin."""
    from torchcanvas.market.seed import seed_user

    with anon.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        seed_user(db)
    assert sign_up(anon, "alice")["is_admin"] is True
    assert sign_up(TestClient(anon.app), "bob")["is_admin"] is False
    # Nobody signs in as the built-in account.
    assert _login(TestClient(anon.app), "torchcanvas", "").status_code == 401


def test_guessing_the_current_password_counts_as_failed_logins(tmp_path: Path) -> None:
    for client in _app_client(tmp_path, auth=AuthSettings(login_failures_per_user=2)):
        sign_up(client, "alice")
        wrong = {"current_password": "a wrong guess", "new_password": "a new password"}
        assert client.post(f"{AUTH}/password", json=wrong).status_code == 403
        assert client.request("DELETE", f"{AUTH}/me", json={"password": "another guess"}).status_code == 403
        right = {"current_password": PASSWORD, "new_password": "a new password"}
        r = client.post(f"{AUTH}/password", json=right)
        assert r.status_code == 429 and "Retry-After" in r.headers
        assert _login(TestClient(client.app), "alice").status_code == 429
