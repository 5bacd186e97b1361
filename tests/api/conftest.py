"""Fixtures for the API tests: an app on a temp data dir, and a throwaway PostgreSQL.

Storage tests take ``db_url``, parametrized over SQLite and PostgreSQL. The PostgreSQL cluster
is started once per test session (initdb + pg_ctl in a temp dir, on a free port, as the
``postgres`` user when running as root) and each test gets a database of its own. Without the
PostgreSQL binaries those tests fail with a message; TORCHCANVAS_SKIP_PG=1 skips them instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import cheap_password_hashing, make_settings, mlp_graph, sign_up, with_token
from torchcanvas.api import create_app
from torchcanvas.settings import Settings

__all__ = ["cheap_password_hashing"]  # an autouse fixture: pytest finds it here


@pytest.fixture
def graph() -> dict[str, Any]:
    return mlp_graph()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A browser signed in as alice (the first account: the admin)."""
    # raise_server_exceptions=False: a bug must show as the 500 a user would get, not a trace.
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        yield c


@pytest.fixture
def bearer(client: TestClient) -> TestClient:
    """A script's client for alice's account: a personal API token, no cookie, no CSRF header."""
    return with_token(client)


# --- PostgreSQL -----------------------------------------------------------------------------


@dataclass
class PgServer:
    host: str
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


def _pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if os.environ.get("TORCHCANVAS_SKIP_PG") == "1":
        pytest.skip("TORCHCANVAS_SKIP_PG=1")
    bindir = _pg_bindir()
    if bindir is None or not all((bindir / b).exists() for b in ("initdb", "pg_ctl", "postgres")):
        pytest.fail(
            "PostgreSQL binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin; "
            "install them (Debian/Ubuntu: apt-get install postgresql) or set TORCHCANVAS_SKIP_PG=1",
            pytrace=False,
        )
    base = Path(tempfile.mkdtemp(prefix="torchcanvas-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            pytest.fail(
                "running as root, and there is no 'postgres' user to run PostgreSQL as (useradd -r postgres)",
                pytrace=False,
            )
        os.chown(base, pw.pw_uid, pw.pw_gid)
        as_user = (
            ["runuser", "-u", "postgres", "--"]
            if shutil.which("runuser")
            else ["su", "postgres", "-s", "/bin/sh", "-c"]
        )

    def run(*cmd: str | Path) -> None:
        args = [str(c) for c in cmd]
        full = [*as_user, " ".join(args)] if as_user[:1] == ["su"] else [*as_user, *args]
        done = subprocess.run(full, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = (base / "log").read_text() if (base / "log").exists() else ""
            pytest.fail(f"{args[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{log}", pytrace=False)

    data, port = base / "data", _free_port()
    # Durability is irrelevant for a throwaway cluster; skipping fsync makes it fast.
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    run(bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    try:
        run(bindir / "pg_ctl", "-D", data, "-l", base / "log", "-w", "-t", "60", "-o", opts, "start")
        yield PgServer("127.0.0.1", port)
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"tc_{uuid.uuid4().hex[:12]}"
    server.execute(f"CREATE DATABASE {name}")
    yield server.url(name)
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def store(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    """A client, signed in as alice, whose app stores saved models in ``db_url`` (SQLite or PostgreSQL)."""
    with TestClient(create_app(make_settings(tmp_path, database_url=db_url)), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        yield c
