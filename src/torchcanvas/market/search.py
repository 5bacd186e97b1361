"""The market's listing: the latest publication of each public model, searched, filtered, sorted.

Full-text search uses the database's own engine (migration 0004): FTS5 with bm25 on SQLite, a
tsvector with ts_rank on PostgreSQL. The search text is reduced to its words, each matched as a
prefix and all required ("res blo" finds "ResNet basic block"), so no user input reaches
either engine's query syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from torchcanvas.db.models import Publication, SavedModel, Star, utcnow

Listed = Select[Publication, SavedModel]
Sort = Literal["stars", "forks", "newest", "trending", "relevance"]
TRENDING_WINDOW = timedelta(days=7)
MAX_TERMS = 16
_WORD = re.compile(r"\w+")


# The search objects of migration 0004, which the ORM models do not declare.
FTS_TABLE = "publications_fts"  # and its shadow tables, publications_fts_data, ..._idx, ...
PG_VECTOR = "search_vector"
PG_INDEX = "ix_publications_search_vector"


def declared_by_the_models(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object``: False for the search objects, so that comparing the
    database with the models (autogenerate, the migrations test) does not see them as extra."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    return not (type_ in ("column", "index") and name in (PG_VECTOR, PG_INDEX))


@dataclass(frozen=True)
class Query:
    q: str = ""
    task: str | None = None
    dataset: str | None = None
    min_params: int | None = None
    max_params: int | None = None
    verified_only: bool = False
    sort: Sort | None = None  # None: relevance with a search text, else stars
    page: int = 1
    page_size: int = 24


def terms(q: str) -> list[str]:
    return _WORD.findall(q.lower())[:MAX_TERMS]


def listed() -> Listed:
    """Every listed card's rows: public models by their latest publication."""
    return (
        select(Publication, SavedModel)
        .join(SavedModel, SavedModel.id == Publication.model_id)
        .where(Publication.is_latest, SavedModel.visibility == "public")
    )


def _match(stmt: Listed, dialect: str, words: list[str]) -> tuple[Listed, ColumnElement[Any]]:
    """``stmt`` narrowed to the publications that match every word, and the relevance to sort by
    (ascending), for this database."""
    if dialect == "postgresql":
        query = func.to_tsquery("english", " & ".join(f"{w}:*" for w in words))
        vector: ColumnElement[Any] = literal_column(f"publications.{PG_VECTOR}")
        return stmt.where(vector.op("@@")(query)), -func.ts_rank(vector, query)
    # FTS5: each word a quoted phrase (no operators) matched as a prefix. bm25 weighs title,
    # description, tags, layer types; smaller is better.
    fts = table(FTS_TABLE, column("rowid"))
    whole_row: ColumnElement[Any] = literal_column(FTS_TABLE)
    expr = " ".join(f'"{w}"*' for w in words)
    stmt = stmt.join(fts, fts.c.rowid == Publication.id).where(whole_row.op("MATCH")(expr))
    return stmt, func.bm25(whole_row, 10.0, 1.0, 5.0, 3.0)


def _filters(query: Query) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if query.task:
        out.append(Publication.task == query.task)
    if query.dataset:
        out.append(Publication.dataset == query.dataset)
    if query.min_params is not None:
        out.append(Publication.params >= query.min_params)
    if query.max_params is not None:
        out.append(Publication.params <= query.max_params)
    if query.verified_only:
        out.append(Publication.verified == "passed")
    return out


def _recent_stars() -> ColumnElement[Any]:
    since = utcnow() - TRENDING_WINDOW
    return (
        select(func.count())
        .select_from(Star)
        .where(Star.model_id == SavedModel.id, Star.created_at >= since)
        .scalar_subquery()
    )


def search(db: Session, query: Query) -> tuple[list[tuple[Publication, SavedModel]], int]:
    """One page of cards' rows and the number of matches in all."""
    stmt = listed().where(*_filters(query))
    words = terms(query.q)
    relevance: ColumnElement[Any] | None = None
    if words:
        stmt, relevance = _match(stmt, db.get_bind().dialect.name, words)
    sort = query.sort or ("relevance" if words else "stars")
    order: list[ColumnElement[Any]] = {  # type: ignore[assignment]
        "stars": [SavedModel.star_count.desc()],
        "forks": [SavedModel.fork_count.desc()],
        "newest": [],
        "trending": [_recent_stars().desc(), SavedModel.star_count.desc()],
        "relevance": [relevance] if relevance is not None else [SavedModel.star_count.desc()],
    }[sort]
    # Newest first among equals, then the id: a stable order, so that pages do not overlap.
    stmt = stmt.order_by(*order, Publication.created_at.desc(), Publication.id.desc())
    count = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.execute(stmt.limit(query.page_size).offset((query.page - 1) * query.page_size)).tuples().all()
    return list(rows), count


def latest_of(db: Session, model_ids: list[Any]) -> dict[Any, Publication]:
    """The latest publication of each of these models (those that have one)."""
    if not model_ids:
        return {}
    rows = db.scalars(select(Publication).where(and_(Publication.model_id.in_(model_ids), Publication.is_latest)))
    return {p.model_id: p for p in rows}
