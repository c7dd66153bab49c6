"""Blocked chats: a user who blocked the bot (Telegram's 403) is sent nothing more until they write.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blocked_chat",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_chat")),
        sa.UniqueConstraint("user_key", name=op.f("uq_blocked_chat_user_key")),
    )


def downgrade() -> None:
    op.drop_table("blocked_chat")
