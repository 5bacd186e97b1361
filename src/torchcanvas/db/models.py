"""Saved models and their versions.

A saved model holds the current state; every save also appends a ``ModelVersion`` with the
graph, name and description it saved, numbered 1, 2, ... per model. ``SavedModel.version`` is
the number of the latest one. The thumbnail is not versioned: it is only a picture of the
current graph.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# JSONB on PostgreSQL (binary, indexable), plain JSON text elsewhere.
GraphJSON = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    # Named constraints, so that migrations can refer to them on every backend.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class SavedModel(Base):
    __tablename__ = "saved_models"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    graph: Mapped[dict[str, Any]] = mapped_column(GraphJSON)
    thumbnail: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    versions: Mapped[list[ModelVersion]] = relationship(
        back_populates="model", cascade="all, delete-orphan", passive_deletes=True, order_by="ModelVersion.number"
    )


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "number", name="uq_model_versions_model_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("saved_models.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    graph: Mapped[dict[str, Any]] = mapped_column(GraphJSON)
    # What made this version: "create", "save", "duplicate" or "restore:<n>".
    note: Mapped[str] = mapped_column(String(32), default="save")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    model: Mapped[SavedModel] = relationship(back_populates="versions")


# --- training runs --------------------------------------------------------------------------
# A run trains one graph snapshot with its generated train.py in a process of its own
# (torchcanvas.runner). The rows are the runner's queue: queued runs survive a restart; a run
# that was running when the server stopped is marked "interrupted" at the next start.
RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
FINISHED_STATUSES = frozenset({"succeeded", "failed", "cancelled", "interrupted"})


class Experiment(Base):
    """Variants of one model (the cartesian product of its axes), one run each."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("saved_models.id", ondelete="SET NULL"), default=None
    )
    graph: Mapped[dict[str, Any]] = mapped_column(GraphJSON)  # the base graph, before the axes
    axes: Mapped[list[Any]] = mapped_column(GraphJSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    runs: Mapped[list[Run]] = relationship(back_populates="experiment", order_by="Run.id")


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("saved_models.id", ondelete="SET NULL"), default=None, index=True
    )
    experiment_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("experiments.id", ondelete="CASCADE"), default=None, index=True
    )
    # Within an experiment: this variant's label ("weight_decay=0.01, BatchNorm=off") and its
    # value on each axis.
    label: Mapped[str] = mapped_column(String(500), default="")
    variant: Mapped[dict[str, Any]] = mapped_column(GraphJSON, default=dict)
    config: Mapped[dict[str, Any]] = mapped_column(GraphJSON)  # the training config it ran with
    graph: Mapped[dict[str, Any]] = mapped_column(GraphJSON)  # the whole document, as it ran
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)

    experiment: Mapped[Experiment | None] = relationship(back_populates="runs")


class RunEvent(Base):
    """One event of a run, as the runner emitted it (torchcanvas.runner.events), numbered 1, 2, ..."""

    __tablename__ = "run_events"
    __table_args__ = (UniqueConstraint("run_id", "seq", name="uq_run_events_run_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(GraphJSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
