"""Forks, stars and comments. Counts live on saved_models and move with atomic UPDATEs
(``star_count = star_count + 1``): two stars at once must both count."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from torchcanvas.db import crud
from torchcanvas.db.models import Comment, Publication, SavedModel, Star, User, utcnow
from torchcanvas.market.markdown import render

DISPLAY_NAME_CHARS = 100


def publications(db: Session, model_id: uuid.UUID) -> list[Publication]:
    stmt = select(Publication).where(Publication.model_id == model_id).order_by(Publication.number)
    return list(db.scalars(stmt).all())


def publication(db: Session, model_id: uuid.UUID, number: int) -> Publication | None:
    stmt = select(Publication).where(Publication.model_id == model_id, Publication.number == number)
    return db.scalars(stmt).one_or_none()


def _bump(db: Session, model_id: uuid.UUID, column: str, by: int) -> int:
    counter = getattr(SavedModel, column)
    stmt = (
        update(SavedModel)
        .where(SavedModel.id == model_id)
        .values({column: counter + by})
        .returning(counter)
        .execution_options(synchronize_session=False)
    )
    value: int = db.execute(stmt).scalar_one()
    return value


def fork(db: Session, user: User, source: SavedModel, pub: Publication) -> SavedModel:
    """A private copy of publication ``pub`` of ``source`` in ``user``'s models, with its lineage."""
    copy = crud.create(
        db,
        owner_id=user.id,
        name=source.name[:DISPLAY_NAME_CHARS],
        description=pub.description,
        graph=pub.graph,
        thumbnail=None,
        note="fork",
    )
    copy.visibility = "private"
    copy.forked_from_id = source.id
    copy.forked_from_version = pub.number
    source.fork_count = _bump(db, source.id, "fork_count", 1)
    db.commit()
    db.refresh(copy)
    return copy


def star(db: Session, user: User, model: SavedModel) -> int:
    """Star ``model`` (again: nothing changes); the star count after."""
    if db.get(Star, (user.id, model.id)) is None:
        try:
            with db.begin_nested():
                db.add(Star(user_id=user.id, model_id=model.id, created_at=utcnow()))
            model.star_count = _bump(db, model.id, "star_count", 1)
        except IntegrityError:
            pass  # starred at the same moment by another request of this user: counted there
    db.commit()
    db.refresh(model)
    return model.star_count


def unstar(db: Session, user: User, model: SavedModel) -> int:
    gone = db.execute(delete(Star).where(Star.user_id == user.id, Star.model_id == model.id))
    if gone.rowcount:  # type: ignore[attr-defined]
        model.star_count = _bump(db, model.id, "star_count", -1)
    db.commit()
    db.refresh(model)
    return model.star_count


def add_comment(db: Session, user: User, model: SavedModel, body: str) -> Comment:
    now = utcnow()
    c = Comment(model_id=model.id, author_id=user.id, body=body, body_html=render(body), created_at=now, updated_at=now)
    db.add(c)
    db.commit()
    db.refresh(c)
    return c


def edit_comment(db: Session, c: Comment, body: str) -> Comment:
    c.body, c.body_html, c.updated_at = body, render(body), utcnow()
    db.commit()
    return c


def comments(db: Session, model_id: uuid.UUID) -> list[Comment]:
    stmt = select(Comment).where(Comment.model_id == model_id).order_by(Comment.created_at, Comment.id)
    return list(db.scalars(stmt).unique().all())
