"""runs record the version of their model that they trained

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

A run belongs to the model and the version it trained: ``Run.model_version`` is that model's
``ModelVersion.number`` when the run was created from a saved model (null for a draft's runs,
which are attached to the model on its first save, and for runs from before this revision).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("model_version")
