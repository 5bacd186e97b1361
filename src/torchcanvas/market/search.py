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

from sqlalchemy import ColumnElement, Select, Subquery, column, func, literal_column, select, table
from sqlalchemy.orm import Session, defer

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
LISTING_INDEXES = ("ix_publications_listing", "ix_saved_models_listing")


def declared_by_the_models(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object``: False for the search objects, so that comparing the
    database with the models (autogenerate, the migrations test) does not see them as extra."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    return not (type_ in ("column", "index") and name in (PG_VECTOR, PG_INDEX, *LISTING_INDEXES))


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


def _visible() -> Select[int]:
    """The ids of every listed card: public models by their latest publication."""
    return (
        select(Publication.id)
        .join(SavedModel, SavedModel.id == Publication.model_id)
        .where(Publication.is_latest, SavedModel.visibility == "public")
    )


def listed() -> Listed:
    """Every listed card's rows, without the columns a card does not show (graphs are large)."""
    return (
        select(Publication, SavedModel)
        .join(SavedModel, SavedModel.id == Publication.model_id)
        .where(Publication.is_latest, SavedModel.visibility == "public")
        .options(
            *(
                defer(c)
                for c in (
                    Publication.graph,
                    Publication.description,
                    SavedModel.graph,
                    SavedModel.thumbnail,
                    SavedModel.description,
                )
            )
        )
    )


def _match(stmt: Select[int], dialect: str, words: list[str]) -> tuple[Select[int], ColumnElement[Any]]:
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


def _recent_stars() -> Subquery:
    """Stars of the last TRENDING_WINDOW per model: one aggregate, joined, not a count per row."""
    since = utcnow() - TRENDING_WINDOW
    return (
        select(Star.model_id, func.count().label("n"))
        .where(Star.created_at >= since)
        .group_by(Star.model_id)
        .subquery("recent_stars")
    )


def search(db: Session, query: Query) -> tuple[list[tuple[Publication, SavedModel]], int]:
    """One page of cards' rows and the number of matches in all.

    The matching and ordering work on ids alone, then only the page's rows are read: sorting
    whole rows (graphs, thumbnails) made a listing of 10,000 models several times slower.
    """
    ids = _visible().where(*_filters(query))
    words = terms(query.q)
    sort = query.sort or ("relevance" if words else "stars")
    order: list[ColumnElement[Any]] = [SavedModel.star_count.desc()]
    if words:
        ids, relevance = _match(ids, db.get_bind().dialect.name, words)
        if sort == "relevance":
            order = [relevance]
    count = db.scalar(select(func.count()).select_from(ids.subquery())) or 0
    if sort == "forks":
        order = [SavedModel.fork_count.desc()]
    elif sort == "newest":
        order = []
    elif sort == "trending":
        recent = _recent_stars()
        ids = ids.outerjoin(recent, recent.c.model_id == Publication.model_id)
        order = [func.coalesce(recent.c.n, 0).desc(), SavedModel.star_count.desc()]
    # Newest first among equals, then the id: a stable order, so that pages do not overlap.
    ids = ids.order_by(*order, Publication.created_at.desc(), Publication.id.desc())
    page = list(db.scalars(ids.limit(query.page_size).offset((query.page - 1) * query.page_size)).all())
    rows = {p.id: (p, m) for p, m in db.execute(listed().where(Publication.id.in_(page))).tuples()}
    return [rows[i] for i in page], count
