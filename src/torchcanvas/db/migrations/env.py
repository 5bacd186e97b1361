"""Alembic environment: migrates the engine handed over by torchcanvas.db.migrate, or, from the
alembic CLI, the database named by the torchcanvas settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Engine, text

from torchcanvas.db.models import Base
from torchcanvas.db.session import make_engine
from torchcanvas.market.search import declared_by_the_models

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    # Run from the alembic CLI: configure logging from alembic.ini (never when embedded in
    # the server, where it would replace uvicorn's logging).
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    from torchcanvas.settings import Settings

    return make_engine(config.get_main_option("sqlalchemy.url") or Settings().resolved_database_url)


def run_migrations_offline() -> None:
    from torchcanvas.settings import Settings

    context.configure(
        url=config.get_main_option("sqlalchemy.url") or Settings().resolved_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode copies a table into a new one and drops the old: with foreign keys on,
            # that DROP deletes every row that references the old table by ON DELETE CASCADE
            # (upgrading a single-user database to 0003 once lost every version and run). The
            # pragma is a no-op inside a transaction, so it goes first.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode recreates the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=declared_by_the_models,  # the market's search objects are the migration's
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Two servers starting at once on one database migrate one after the other
                # (released at commit). SQLite's write lock already serialises them.
                connection.execute(text("SELECT pg_advisory_xact_lock(7268616)"))
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("the migration left rows whose foreign keys point nowhere; nothing was changed")
        connection.commit()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")  # the pooled connection goes back as it came


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
