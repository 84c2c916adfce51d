"""Workflow reservations move from each process's memory into the database, so that a run
reserved by one process can start on any other.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workflow_reservations",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_public_id", sa.String(length=32), nullable=False),
        sa.Column("workflow", sa.String(length=128), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["user_public_id"], ["users.public_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index(
        "ix_workflow_reservations_user_public_id", "workflow_reservations", ["user_public_id"]
    )


def downgrade() -> None:
    op.drop_table("workflow_reservations")
