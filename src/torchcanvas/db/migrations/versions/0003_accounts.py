"""accounts, ownership and the market

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Every model, run and experiment gains an owner. Rows of a single-user database get none here:
the setting ``legacy_owner_pending`` says they wait for an owner, and the first account created
(or the one named by ``torchcanvas db upgrade --owner NAME``) claims them
(torchcanvas.auth.accounts.claim_legacy).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GraphJSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_key_at", ["key", "at"], unique=False)

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=39), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_comments_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["saved_models.id"], name=op.f("fk_comments_model_id_saved_models"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_model_created", ["model_id", "created_at"], unique=False)

    op.create_table(
        "stars",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["saved_models.id"], name=op.f("fk_stars_model_id_saved_models"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_stars_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "model_id", name=op.f("pk_stars")),
    )
    with op.batch_alter_table("stars", schema=None) as batch_op:
        batch_op.create_index("ix_stars_model_created", ["model_id", "created_at"], unique=False)

    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("tags", GraphJSON, nullable=False),
        sa.Column("task", sa.String(length=32), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=True),
        sa.Column("layer_types", sa.Text(), nullable=False),
        sa.Column("params", sa.BigInteger(), nullable=False),
        sa.Column("flops", sa.BigInteger(), nullable=False),
        sa.Column("graph", GraphJSON, nullable=False),
        sa.Column("thumbnail", sa.Text(), nullable=True),
        sa.Column("verified", sa.String(length=8), nullable=False),
        sa.Column("verify_error", sa.Text(), nullable=True),
        sa.Column("result_run_id", sa.Integer(), nullable=True),
        sa.Column("result", GraphJSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["saved_models.id"], name=op.f("fk_publications_model_id_saved_models"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["result_run_id"], ["runs.id"], name=op.f("fk_publications_result_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("model_id", "number", name="uq_publications_model_number"),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_dataset"), ["dataset"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_is_latest"), ["is_latest"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_model_id"), ["model_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_params"), ["params"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_task"), ["task"], unique=False)

    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_experiments_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_experiments_owner_id_users"), "users", ["owner_id"], ["id"], ondelete="CASCADE"
        )

    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_runs_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_runs_owner_id_users"), "users", ["owner_id"], ["id"], ondelete="CASCADE"
        )

    with op.batch_alter_table("saved_models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("visibility", sa.String(length=8), nullable=False, server_default="private"))
        batch_op.add_column(sa.Column("forked_from_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("forked_from_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("star_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("fork_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_saved_models_forked_from_id"), ["forked_from_id"], unique=False)
        batch_op.create_index("ix_saved_models_owner_updated", ["owner_id", "updated_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_saved_models_forked_from_id_saved_models"),
            "saved_models",
            ["forked_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_saved_models_owner_id_users"), "users", ["owner_id"], ["id"], ondelete="SET NULL"
        )

    # A database from before accounts: its rows wait for the first account (or --owner NAME).
    bind = op.get_bind()
    if any(
        bind.execute(sa.text(f"SELECT 1 FROM {t} LIMIT 1")).first() for t in ("saved_models", "runs", "experiments")
    ):
        op.execute("INSERT INTO settings (key, value) VALUES ('legacy_owner_pending', '1')")


def downgrade() -> None:
    with op.batch_alter_table("saved_models", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_saved_models_owner_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_saved_models_forked_from_id_saved_models"), type_="foreignkey")
        batch_op.drop_index("ix_saved_models_owner_updated")
        batch_op.drop_index(batch_op.f("ix_saved_models_forked_from_id"))
        batch_op.drop_column("fork_count")
        batch_op.drop_column("star_count")
        batch_op.drop_column("forked_from_version")
        batch_op.drop_column("forked_from_id")
        batch_op.drop_column("visibility")
        batch_op.drop_column("owner_id")

    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_runs_owner_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_runs_owner_id"))
        batch_op.drop_column("owner_id")

    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_experiments_owner_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_experiments_owner_id"))
        batch_op.drop_column("owner_id")

    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_task"))
        batch_op.drop_index(batch_op.f("ix_publications_params"))
        batch_op.drop_index(batch_op.f("ix_publications_model_id"))
        batch_op.drop_index(batch_op.f("ix_publications_is_latest"))
        batch_op.drop_index(batch_op.f("ix_publications_dataset"))
        batch_op.drop_index(batch_op.f("ix_publications_created_at"))

    op.drop_table("publications")
    with op.batch_alter_table("stars", schema=None) as batch_op:
        batch_op.drop_index("ix_stars_model_created")

    op.drop_table("stars")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_model_created")

    op.drop_table("comments")
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_auth_sessions_expires_at"))

    op.drop_table("auth_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("settings")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_key_at")

    op.drop_table("login_failures")
