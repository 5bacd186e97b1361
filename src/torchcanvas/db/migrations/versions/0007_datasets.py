"""uploaded data sets

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

One row per data set a user uploaded (torchcanvas.datasets): its owner, name, visibility (as a
saved model's), kind (images or table), task, counts, classes, class balance and input shape.
The files are in ``<data_dir>/uploads/.datasets/<id>/``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("num_train", sa.Integer(), nullable=False),
        sa.Column("num_test", sa.Integer(), nullable=False),
        sa.Column("classes", JSON, nullable=False),
        sa.Column("class_counts", JSON, nullable=False),
        sa.Column("input_shape", JSON, nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("notes", JSON, nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_datasets_owner_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_datasets"),
        sa.UniqueConstraint("owner_id", "name", name="uq_datasets_owner_name"),
        sqlite_autoincrement=True,  # a deleted data set's id is never given again
    )
    op.create_index("ix_datasets_owner_id", "datasets", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_datasets_owner_id", table_name="datasets")
    op.drop_table("datasets")
