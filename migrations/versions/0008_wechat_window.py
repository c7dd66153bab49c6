"""WeChat: each parent's last message (the 48-hour window) and the messages waiting for it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wechat_contact",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unsubscribed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_contact")),
        sa.UniqueConstraint("user_key", name=op.f("uq_wechat_contact_user_key")),
    )
    op.create_table(
        "wechat_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_outbox")),
    )
    op.create_index(op.f("ix_wechat_outbox_user_key"), "wechat_outbox", ["user_key"])


def downgrade() -> None:
    op.drop_table("wechat_outbox")
    op.drop_table("wechat_contact")
