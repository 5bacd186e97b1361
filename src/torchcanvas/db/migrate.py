"""Run the Alembic migrations in ``migrations/`` programmatically.

The Alembic config is built in code rather than read from ``alembic.ini`` so that an installed
package needs nothing but its ``migrations`` folder. ``alembic.ini`` next to this file is for
developers: ``alembic -c src/torchcanvas/db/alembic.ini revision --autogenerate -m "..."``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions this version of the code migrates to (read once: the scripts do not change)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database is at (empty before the first migration); raises when it does not answer."""
    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())
