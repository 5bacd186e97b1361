"""The Alembic migrations build exactly the tables the models declare, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from torchcanvas.db import Base, make_engine, upgrade
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
