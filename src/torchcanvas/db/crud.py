"""Saving models: every save writes the current state and appends a numbered version."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from torchcanvas.db.models import ModelVersion, SavedModel, utcnow


def _append_version(session: Session, model: SavedModel, note: str) -> ModelVersion:
    version = ModelVersion(
        model_id=model.id,
        number=model.version,
        name=model.name,
        description=model.description,
        graph=model.graph,
        note=note,
        created_at=model.updated_at,
    )
    session.add(version)
    return version


def create(
    session: Session,
    *,
    owner_id: int | None,
    name: str,
    description: str,
    graph: dict[str, Any],
    thumbnail: str | None,
    note: str = "create",
) -> SavedModel:
    now = utcnow()
    model = SavedModel(
        id=uuid.uuid4(),
        owner_id=owner_id,
        name=name,
        description=description,
        graph=graph,
        thumbnail=thumbnail,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(model)
    _append_version(session, model, note)
    session.commit()
    return model


def get(session: Session, model_id: uuid.UUID) -> SavedModel | None:
    return session.get(SavedModel, model_id)


def _next_version(session: Session, model: SavedModel) -> None:
    """Take the next version number in the database, atomically.

    ``version = version + 1 ... RETURNING`` rather than incrementing what we read: two saves of
    one model at once must not both take the same number. The UPDATE also locks the row (or, on
    SQLite, the database) until commit, which serialises the rest of the save.
    """
    stmt = (
        sql_update(SavedModel)
        .where(SavedModel.id == model.id)
        .values(version=SavedModel.version + 1)
        .returning(SavedModel.version)
        .execution_options(synchronize_session=False)  # we set model.version from the result
    )
    model.version = session.execute(stmt).scalar_one()


def page(session: Session, *, owner_id: int, limit: int, offset: int) -> tuple[list[SavedModel], int]:
    """One user's models, most recently updated first, and how many they have."""
    mine = SavedModel.owner_id == owner_id
    total = session.scalar(select(func.count()).select_from(SavedModel).where(mine)) or 0
    rows = session.scalars(
        select(SavedModel).where(mine).order_by(SavedModel.updated_at.desc(), SavedModel.id).limit(limit).offset(offset)
    ).all()
    return list(rows), total


VERSIONED = ("name", "description", "graph")


def update(session: Session, model: SavedModel, changes: dict[str, Any], note: str = "save") -> SavedModel:
    """Apply ``changes`` (any of name, description, graph, thumbnail, visibility) and commit.

    A new version is written only when a versioned field (name, description, graph) actually
    changes, so an autosave of an unchanged graph, or a new thumbnail alone, adds none.
    """
    changed = any(k in changes and changes[k] != getattr(model, k) for k in VERSIONED)
    for key, value in changes.items():
        setattr(model, key, value)
    if changed or "thumbnail" in changes:
        model.updated_at = utcnow()
    if changed:
        _next_version(session, model)
        _append_version(session, model, note)
    session.commit()
    return model


def uncount_forks(session: Session, gone: ColumnElement[bool]) -> None:
    """The models matching ``gone`` are about to be deleted: their sources count one fork less each."""
    sources = (
        select(SavedModel.forked_from_id, func.count())
        .where(gone, SavedModel.forked_from_id.is_not(None))
        .group_by(SavedModel.forked_from_id)
    )
    for source_id, n in session.execute(sources).all():
        session.execute(
            sql_update(SavedModel)
            .where(SavedModel.id == source_id)
            .values(fork_count=SavedModel.fork_count - n)
            .execution_options(synchronize_session=False)
        )


def delete(session: Session, model: SavedModel) -> None:
    uncount_forks(session, SavedModel.id == model.id)
    session.delete(model)
    session.commit()


def versions(session: Session, model_id: uuid.UUID) -> list[ModelVersion]:
    stmt = select(ModelVersion).where(ModelVersion.model_id == model_id).order_by(ModelVersion.number)
    return list(session.scalars(stmt).all())


def version(session: Session, model_id: uuid.UUID, number: int) -> ModelVersion | None:
    stmt = select(ModelVersion).where(ModelVersion.model_id == model_id, ModelVersion.number == number)
    return session.scalars(stmt).one_or_none()


def restore(session: Session, model: SavedModel, old: ModelVersion) -> SavedModel:
    """Make an old version current again, as a new version (history is never rewritten)."""
    now = utcnow()
    model.name, model.description, model.graph = old.name, old.description, old.graph
    _next_version(session, model)
    model.updated_at = now
    _append_version(session, model, f"restore:{old.number}")
    session.commit()
    return model
