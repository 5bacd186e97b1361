"""The Alembic migrations build exactly the tables the models declare, on every backend."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, inspect, text

from tests.api.api_support import PASSWORD, make_settings, mlp_graph, sign_up, signed_in
from torchcanvas.api import create_app
from torchcanvas.auth import accounts
from torchcanvas.cli import main
from torchcanvas.db import Base, make_engine, make_sessionmaker, upgrade
from torchcanvas.db.migrate import downgrade
from torchcanvas.market.search import declared_by_the_models


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert {"saved_models", "model_versions", "alembic_version"} <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True, "include_object": declared_by_the_models}),
                Base.metadata,
            )
        assert diff == [], f"the models and the migrations disagree; write a migration: {diff}"

        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)  # and back: the first migration is reversible
        upgrade(engine)  # idempotent at head
        assert "saved_models" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


# --- a single-user database, taken forward ----------------------------------------------------


def _single_user_database(engine: Engine) -> dict[str, Any]:
    """A database at revision 0002 (before accounts) with a saved model, an experiment and a run."""
    upgrade(engine, "0002")
    tables = MetaData()
    tables.reflect(engine)
    now, model_uuid = datetime.now(UTC), uuid.uuid4()
    # Reflected, SQLite's UUID column is the CHAR(32) it is stored as.
    model_id: Any = model_uuid if engine.dialect.name == "postgresql" else model_uuid.hex
    graph = mlp_graph()
    with engine.begin() as conn:
        conn.execute(
            tables.tables["saved_models"].insert(),
            {
                "id": model_id,
                "name": "old",
                "description": "",
                "graph": graph,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
        )
        conn.execute(
            tables.tables["model_versions"].insert(),
            {
                "model_id": model_id,
                "number": 1,
                "name": "old",
                "description": "",
                "graph": graph,
                "note": "create",
                "created_at": now,
            },
        )
        experiment_id = conn.execute(
            tables.tables["experiments"].insert(),
            {"name": "sweep", "model_id": model_id, "graph": graph, "axes": [], "created_at": now},
        ).inserted_primary_key[0]
        run_id = conn.execute(
            tables.tables["runs"].insert(),
            {
                "name": "old run",
                "status": "succeeded",
                "model_id": model_id,
                "experiment_id": experiment_id,
                "label": "",
                "variant": {},
                "config": {},
                "graph": graph,
                "created_at": now,
            },
        ).inserted_primary_key[0]
    return {"model_id": str(model_uuid), "run_id": run_id, "experiment_id": experiment_id}


def _owners(engine: Engine) -> set[Any]:
    with engine.connect() as conn:
        return {
            conn.execute(text(f"SELECT owner_id FROM {t}")).scalar_one()
            for t in ("saved_models", "runs", "experiments")
        }


def test_the_first_account_claims_a_single_user_database(tmp_path: Path, db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        old = _single_user_database(engine)
        with TestClient(create_app(make_settings(tmp_path, database_url=db_url)), raise_server_exceptions=False) as c:
            c.app.state.runner.stop()  # type: ignore[attr-defined]
            anonymous = TestClient(c.app)
            assert _owners(engine) == {None}  # migrated to head; waiting for an owner
            assert anonymous.get(f"/api/v1/models/{old['model_id']}").status_code == 404
            assert sign_up(c, "alice")["is_admin"]
            [model] = c.get("/api/v1/models").json()["items"]
            assert model["id"] == old["model_id"] and model["owner"] == "alice" and model["visibility"] == "private"
            # Nothing was lost on the way (SQLite's batch copies once cascaded deletes here).
            assert [v["number"] for v in c.get(f"/api/v1/models/{old['model_id']}/versions").json()] == [1]
            assert c.get(f"/api/v1/runs/{old['run_id']}").json()["owner"] == "alice"
            assert c.get(f"/api/v1/experiments/{old['experiment_id']}").status_code == 200
            # The claim happens once: the next account gets nothing of alice's.
            bob = signed_in(c.app, "bob")
            assert bob.get("/api/v1/models").json()["count"] == 0
            assert bob.get(f"/api/v1/models/{old['model_id']}").status_code == 404
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM settings")).scalar_one() == 0
    finally:
        engine.dispose()


def test_db_upgrade_gives_the_rows_to_a_named_owner(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(db_url)
    try:
        _single_user_database(engine)
        monkeypatch.setenv("TORCHCANVAS_DATABASE_URL", db_url)
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
        assert main(["db", "upgrade", "--owner", "Bob", "--password-stdin"]) == 0
        assert "bob owns 1 saved model(s)" in capsys.readouterr().out
        with make_sessionmaker(engine)() as db:
            bob = accounts.by_name(db, "bob")
            assert bob is not None and bob.is_admin and accounts.authenticate(db, "bob", PASSWORD) is not None
            assert _owners(engine) == {bob.id}
            assert not accounts.legacy_pending(db)

        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
        assert main(["admin", "create-user", "carol", "--password-stdin"]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
        assert main(["admin", "create-user", "dave", "--admin", "--password-stdin"]) == 0
        with make_sessionmaker(engine)() as db:
            carol, dave = accounts.by_name(db, "carol"), accounts.by_name(db, "dave")
            assert carol is not None and not carol.is_admin and accounts.models_of(db, carol) == 0
            assert dave is not None and dave.is_admin
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
        with pytest.raises(SystemExit, match="taken"):
            main(["admin", "create-user", "CAROL", "--password-stdin"])
        monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
        with pytest.raises(SystemExit, match="8 to 200 characters"):
            main(["admin", "create-user", "erin", "--password-stdin"])
    finally:
        engine.dispose()
