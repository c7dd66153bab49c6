"""Key children (重点关爱服务对象): the children workers look after with the parent's consent, the
visits they record, and workers' linked Telegram chats for their visit reminders.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_child",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=32), nullable=True),
        sa.Column("city", sa.String(length=32), nullable=True),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("consent_method", sa.String(length=16), nullable=False),
        sa.Column("consent_by", sa.Integer(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_on", sa.Date(), nullable=False),
        sa.Column("due", sa.JSON(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_child")),
    )
    op.create_index(op.f("ix_key_child_user_key"), "key_child", ["user_key"])
    op.create_index(op.f("ix_key_child_city"), "key_child", ["city"])
    op.create_index(op.f("ix_key_child_worker_id"), "key_child", ["worker_id"])
    op.create_table(
        "key_child_visit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_child_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_child_visit")),
    )
    op.create_index(op.f("ix_key_child_visit_key_child_id"), "key_child_visit", ["key_child_id"])
    op.create_index(op.f("ix_key_child_visit_user_key"), "key_child_visit", ["user_key"])
    op.create_table(
        "worker_telegram",
        sa.Column("worker_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.String(length=32), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_telegram")),
    )
    op.create_index(op.f("ix_worker_telegram_chat_id"), "worker_telegram", ["chat_id"])
    op.create_index(op.f("ix_worker_telegram_code_hash"), "worker_telegram", ["code_hash"])


def downgrade() -> None:
    op.drop_table("worker_telegram")
    op.drop_table("key_child_visit")
    op.drop_table("key_child")
