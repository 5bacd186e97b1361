"""The stored things: accounts, saved models and their versions, runs, and the market.

A saved model holds the current state; every save also appends a ``ModelVersion`` with the
graph, name and description it saved, numbered 1, 2, ... per model. ``SavedModel.version`` is
the number of the latest one. The thumbnail is not versioned: it is only a picture of the
current graph.

Every saved model, run and experiment has an owner. ``owner_id`` is NULL only for a public model
whose owner deleted their account ("deleted user"), and for rows of a single-user database
that no account has claimed yet (torchcanvas.auth.accounts.claim_legacy).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# JSONB on PostgreSQL (binary, indexable), plain JSON text elsewhere.
GraphJSON = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(at: datetime) -> datetime:
    """A stored time as UTC: SQLite keeps no time zone, and every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


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


# --- accounts ---------------------------------------------------------------------------------


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Lower-case, unique: usernames are case-insensitive (torchcanvas.auth.accounts.USERNAME).
    username: Mapped[str] = mapped_column(String(39), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    # An argon2 hash (pwdlib); None for the built-in account that publishes the examples,
    # which nobody can sign in as.
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuthSession(Base):
    """A signed-in browser. The cookie holds a random secret; the row holds only its SHA-256."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's secret
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ApiToken(Base):
    """A personal API token (``Authorization: Bearer tc_...``), stored as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class LoginFailure(Base):
    """One failed login, kept for the rate limit's window; ``key`` is "user:<name>" or "ip:<addr>".

    In the database rather than in memory, so that several API processes share one limit.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Setting(Base):
    """Small facts about this database, e.g. that a single-user database awaits its first account."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- saved models ---------------------------------------------------------------------------
VISIBILITIES = ("private", "unlisted", "public")


class SavedModel(Base):
    __tablename__ = "saved_models"
    __table_args__ = (Index("ix_saved_models_owner_updated", "owner_id", "updated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # "private" (the owner only), "unlisted" (anyone with the link), "public" (in the market).
    visibility: Mapped[str] = mapped_column(String(8), default="private")
    # Lineage: the model and published version this one was forked from.
    forked_from_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("saved_models.id", ondelete="SET NULL"), default=None, index=True
    )
    forked_from_version: Mapped[int | None] = mapped_column(Integer, default=None)
    # Counts kept with the row, so that the market sorts by them without a join.
    star_count: Mapped[int] = mapped_column(Integer, default=0)
    fork_count: Mapped[int] = mapped_column(Integer, default=0)
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
    owner: Mapped[User | None] = relationship(lazy="joined")


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
# (torchcanvas.runner). The rows are the queue that workers claim from (torchcanvas.worker): queued
# runs survive a restart; a run whose worker died is marked "interrupted" once its lease expires.
RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
FINISHED_STATUSES = frozenset({"succeeded", "failed", "cancelled", "interrupted"})


class Experiment(Base):
    """Variants of one model (the cartesian product of its axes), one run each."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True
    )
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
    owner_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("saved_models.id", ondelete="SET NULL"), default=None, index=True
    )
    # The number of the model's version it trained (ModelVersion.number); None for a draft's run.
    model_version: Mapped[int | None] = mapped_column(Integer, default=None)
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
    # The worker that runs it ("host:pid:random"), and its lease: the worker refreshes
    # heartbeat_at every second or so; a running run whose lease is older than
    # settings.run_lease_s belongs to a dead worker, and is marked interrupted (torchcanvas.worker).
    worker_id: Mapped[str | None] = mapped_column(String(80), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Set by a cancel of a running run (in any API process): its worker stops it.
    cancel_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

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


# --- the market ----------------------------------------------------------------------------
VERIFY_STATUSES = ("pending", "passed", "failed")


class Publication(Base):
    """A published version of a model: an immutable snapshot with its model card.

    Publishing again adds the next number. The market lists a model by its latest publication
    (``is_latest``), while the model is public.
    """

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("model_id", "number", name="uq_publications_model_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("saved_models.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per model
    model_version: Mapped[int] = mapped_column(Integer)  # the ModelVersion it snapshots
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, as written
    description_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised (nh3)
    notes: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(GraphJSON, default=list)
    task: Mapped[str] = mapped_column(String(32), default="other", index=True)
    dataset: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    layer_types: Mapped[str] = mapped_column(Text, default="")  # space-separated, for search
    params: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    flops: Mapped[int] = mapped_column(BigInteger, default=0)
    graph: Mapped[dict[str, Any]] = mapped_column(GraphJSON)
    thumbnail: Mapped[str | None] = mapped_column(Text, default=None)  # an SVG document
    verified: Mapped[str] = mapped_column(String(8), default="pending")
    verify_error: Mapped[str | None] = mapped_column(Text, default=None)
    result_run_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("runs.id", ondelete="SET NULL"), default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(GraphJSON, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Star(Base):
    __tablename__ = "stars"
    __table_args__ = (Index("ix_stars_model_created", "model_id", "created_at"),)

    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    model_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("saved_models.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_model_created", "model_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("saved_models.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"), default=None)
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised (nh3)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


# --- uploaded data sets --------------------------------------------------------------------------


class Dataset(Base):
    """A data set a user uploaded (torchcanvas.datasets): its files are in
    ``<data_dir>/uploads/.datasets/<id>/`` (train/<class>/*.png and test/<class>/*.png, or
    train.csv and test.csv), this row says what they hold. Visibility as a saved model's."""

    __tablename__ = "datasets"
    # sqlite_autoincrement: SQLite would give a deleted last row's id to the next data set, and a
    # document naming the old one would read the new one's files.
    __table_args__ = (
        UniqueConstraint("owner_id", "name", name="uq_datasets_owner_name"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(64))  # also train.py's default --data-root
    visibility: Mapped[str] = mapped_column(String(8), default="private")
    kind: Mapped[str] = mapped_column(String(8))  # "images" or "table"
    task: Mapped[str] = mapped_column(String(16))  # "classification" or "regression"
    num_train: Mapped[int] = mapped_column(Integer)
    num_test: Mapped[int] = mapped_column(Integer)
    classes: Mapped[list[str]] = mapped_column(GraphJSON, default=list)  # class names, in index order
    # Per split, the samples of each class (in the order of ``classes``).
    class_counts: Mapped[dict[str, Any]] = mapped_column(GraphJSON, default=dict)
    input_shape: Mapped[list[int]] = mapped_column(GraphJSON)  # one sample, without the batch
    # A table's feature and target columns; an image set's source sizes, split and seed.
    details: Mapped[dict[str, Any]] = mapped_column(GraphJSON, default=dict)
    notes: Mapped[list[str]] = mapped_column(GraphJSON, default=list)  # what validation changed (resizes, ...)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)  # on disk
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner: Mapped[User | None] = relationship(lazy="joined")
