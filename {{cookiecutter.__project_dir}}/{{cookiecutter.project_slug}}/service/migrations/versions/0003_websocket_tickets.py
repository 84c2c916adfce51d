"""Single-use tickets that open the workflow websocket for the chat page: browsers cannot send
an Authorization header on a websocket.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "websocket_tickets",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_public_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("token_generation", sa.Integer(), nullable=False),
        sa.Column("reservation_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["user_public_id"], ["users.public_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_websocket_tickets_user_public_id", "websocket_tickets", ["user_public_id"])


def downgrade() -> None:
    op.drop_table("websocket_tickets")
