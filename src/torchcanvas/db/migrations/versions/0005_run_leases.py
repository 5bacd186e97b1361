"""run workers: who runs a run, its lease, and cancel requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Runs execute in workers (torchcanvas.worker), in other processes or on other machines. A running
run names its worker and carries the lease that worker refreshes; a cancel of a running run is
recorded with the run for its worker to see. Runs left ``running`` by an older version have no
lease: the first reaper marks them interrupted, as the old start-up did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("cancel_requested_at")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker_id")
