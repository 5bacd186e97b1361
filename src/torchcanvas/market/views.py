"""Rows to the market's response bodies. What a caller may see of them is asked of auth.policy."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from torchcanvas.auth import policy
from torchcanvas.db.models import Comment, Publication, SavedModel, Star, User
from torchcanvas.market.markdown import plain_summary
from torchcanvas.market.schemas import (
    CommentRead,
    ForkedFrom,
    ForkRef,
    MarketCard,
    MarketModel,
    PublishedVersion,
    PublishedVersionRead,
    RunResult,
)

MAX_FORKS_SHOWN = 50


def owner_name(model: SavedModel) -> str | None:
    return model.owner.username if model.owner is not None else None


def starred_ids(db: Session, user: User | None, model_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if user is None or not model_ids:
        return set()
    stmt = select(Star.model_id).where(Star.user_id == user.id, Star.model_id.in_(model_ids))
    return set(db.scalars(stmt).all())


def card(pub: Publication, model: SavedModel, starred: bool) -> MarketCard:
    return MarketCard(
        id=model.id,
        title=pub.title,
        summary=plain_summary(pub.description_html),
        tags=list(pub.tags),
        task=pub.task,
        dataset=pub.dataset,
        params=pub.params,
        flops=pub.flops,
        thumbnail=pub.thumbnail,
        owner=owner_name(model),
        star_count=model.star_count,
        fork_count=model.fork_count,
        verified=pub.verified,  # type: ignore[arg-type]
        version=pub.number,
        published_at=pub.created_at,
        starred=starred,
    )


def cards(db: Session, user: User | None, rows: Sequence[tuple[Publication, SavedModel]]) -> list[MarketCard]:
    mine = starred_ids(db, user, [m.id for _, m in rows])
    return [card(p, m, m.id in mine) for p, m in rows]


def published_version(pub: Publication, model: SavedModel, user: User | None) -> PublishedVersion:
    # The error may show the generated code's internals: the owner's to see, and the admin's
    # (the same people who may delete the model).
    show_error = policy.can_delete_model(user, model)
    return PublishedVersion(
        number=pub.number,
        model_version=pub.model_version,
        title=pub.title,
        notes=pub.notes,
        created_at=pub.created_at,
        verified=pub.verified,  # type: ignore[arg-type]
        verify_error=pub.verify_error if show_error else None,
        result=RunResult.model_validate(pub.result) if pub.result else None,
    )


def published_version_read(pub: Publication, model: SavedModel, user: User | None) -> PublishedVersionRead:
    return PublishedVersionRead(
        **published_version(pub, model, user).model_dump(), graph=pub.graph, description_html=pub.description_html
    )


def forked_from(db: Session, user: User | None, model: SavedModel) -> ForkedFrom | None:
    """The model this one was forked from, while it exists and the caller may read it."""
    if model.forked_from_id is None:
        return None
    source = db.get(SavedModel, model.forked_from_id)
    if source is None or not policy.can_read_model(user, source):
        return None
    return ForkedFrom(
        model_id=source.id, owner=owner_name(source), name=source.name, version=model.forked_from_version or 0
    )


def forks(db: Session, model: SavedModel) -> list[ForkRef]:
    stmt = (
        select(SavedModel)
        .where(SavedModel.forked_from_id == model.id, SavedModel.visibility == "public")
        .order_by(SavedModel.created_at.desc())
        .limit(MAX_FORKS_SHOWN)
    )
    return [ForkRef(id=f.id, name=f.name, owner=owner_name(f)) for f in db.scalars(stmt).unique()]


def market_model(db: Session, user: User | None, model: SavedModel, versions: list[Publication]) -> MarketModel:
    """The model page; ``versions``: its publications, oldest first (the last is the latest)."""
    latest = versions[-1]
    base = card(latest, model, bool(starred_ids(db, user, [model.id])))
    return MarketModel(
        **base.model_dump(),
        description_html=latest.description_html,
        description=latest.description,
        graph=latest.graph,
        versions=[published_version(p, model, user) for p in versions],
        forked_from=forked_from(db, user, model),
        forks=forks(db, model),
        can_edit=policy.can_edit_model(user, model),
    )


def comment(c: Comment, model: SavedModel, user: User | None) -> CommentRead:
    return CommentRead(
        id=c.id,
        author=c.author.username if c.author is not None else None,
        body=c.body,
        body_html=c.body_html,
        created_at=c.created_at,
        updated_at=c.updated_at,
        can_edit=policy.can_edit_comment(user, c),
        can_delete=policy.can_delete_comment(user, c, model),
    )
