"""Fixtures for the multi-process tests: the throwaway PostgreSQL of the API tests (one cluster
per test session; each test gets a database of its own), and cheap password hashing in this
process (the servers under test are subprocesses: they hash at the server's costs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.api.conftest import PgServer, pg_server

__all__ = ["pg_server"]


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    name = f"tc_{uuid.uuid4().hex[:12]}"
    pg_server.execute(f"CREATE DATABASE {name}")
    yield pg_server.url(name)
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
