"""the market's full-text search

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Search covers a publication's title, description, tags and layer types, by the database's own
full-text engine (torchcanvas.market.search queries it):

- SQLite: an FTS5 table over those columns of ``publications`` (external content: it stores only
  the index), kept in step by triggers. No stemmer: words are matched as prefixes instead, and
  a stemmed prefix matches too much (porter turns "res" into "re", which matches "ReLU"). Publications are immutable, so the update trigger fires
  only if one of the indexed columns is ever rewritten.
- PostgreSQL: a stored generated ``tsvector`` column (title weighted A, tags and layer types B,
  description C) with a GIN index.

Neither is declared in torchcanvas.db.models (the ORM never reads or writes them); autogenerate
leaves them alone through torchcanvas.market.search.declared_by_the_models.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_COLUMNS = "title, description, tags, layer_types"
_NEW = ", ".join(f"new.{c}" for c in FTS_COLUMNS.split(", "))
_OLD = ", ".join(f"old.{c}" for c in FTS_COLUMNS.split(", "))

SQLITE_UP = [
    f"CREATE VIRTUAL TABLE publications_fts USING fts5({FTS_COLUMNS}, "
    "content='publications', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER publications_fts_insert AFTER INSERT ON publications BEGIN "
    f"INSERT INTO publications_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER publications_fts_delete AFTER DELETE ON publications BEGIN "
    f"INSERT INTO publications_fts(publications_fts, rowid, {FTS_COLUMNS}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER publications_fts_update AFTER UPDATE OF {FTS_COLUMNS} ON publications BEGIN "
    f"INSERT INTO publications_fts(publications_fts, rowid, {FTS_COLUMNS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO publications_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, {_NEW}); END",
    "INSERT INTO publications_fts(publications_fts) VALUES ('rebuild')",  # rows published before
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS publications_fts_update",
    "DROP TRIGGER IF EXISTS publications_fts_delete",
    "DROP TRIGGER IF EXISTS publications_fts_insert",
    "DROP TABLE IF EXISTS publications_fts",
]

POSTGRES_UP = [
    "ALTER TABLE publications ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, tags), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(layer_types, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')) STORED",
    "CREATE INDEX ix_publications_search_vector ON publications USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_publications_search_vector",
    "ALTER TABLE publications DROP COLUMN IF EXISTS search_vector",
]


# Both: covering indexes for the listing, so that filtering and sorting 10,000 cards reads these
# small entries instead of the rows (a publication's row holds its graph and thumbnail: on
# SQLite the columns after them are in overflow pages).
LISTING_UP = [
    "CREATE INDEX ix_publications_listing ON publications "
    "(model_id, is_latest, created_at, params, task, dataset, verified)",
    "CREATE INDEX ix_saved_models_listing ON saved_models (visibility, star_count, fork_count, id)",
]
LISTING_DOWN = ["DROP INDEX IF EXISTS ix_saved_models_listing", "DROP INDEX IF EXISTS ix_publications_listing"]


def _statements(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        own = SQLITE_UP if up else SQLITE_DOWN
    elif dialect == "postgresql":
        own = POSTGRES_UP if up else POSTGRES_DOWN
    else:
        raise NotImplementedError(f"the market's search supports SQLite and PostgreSQL, not {dialect}")
    return [*own, *LISTING_UP] if up else [*LISTING_DOWN, *own]


def upgrade() -> None:
    for sql in _statements(up=True):
        op.execute(sql)


def downgrade() -> None:
    for sql in _statements(up=False):
        op.execute(sql)
