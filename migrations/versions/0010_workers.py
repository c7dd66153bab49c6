"""The worker console: workers, their audit log, internal notes on tickets, a ticket's owner and
outcome, and the outbox for channels that collect their messages (the web chat).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=32), nullable=True),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker")),
        sa.UniqueConstraint("login", name=op.f("uq_worker_login")),
    )
    op.create_table(
        "ticket_note",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_note")),
    )
    op.create_index(op.f("ix_ticket_note_user_key"), "ticket_note", ["user_key"])
    op.create_index(op.f("ix_ticket_note_ticket_id"), "ticket_note", ["ticket_id"])
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("worker_login", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_audit")),
    )
    op.create_index(op.f("ix_console_audit_worker_id"), "console_audit", ["worker_id"])
    op.create_index(op.f("ix_console_audit_user_key"), "console_audit", ["user_key"])
    op.create_index(op.f("ix_console_audit_created_at"), "console_audit", ["created_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_user_key"), "outbox", ["user_key"])
    with op.batch_alter_table("handoff_ticket") as batch:
        batch.add_column(sa.Column("worker_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch.create_index(batch.f("ix_handoff_ticket_worker_id"), ["worker_id"])


def downgrade() -> None:
    with op.batch_alter_table("handoff_ticket") as batch:
        batch.drop_index(batch.f("ix_handoff_ticket_worker_id"))
        batch.drop_column("outcome")
        batch.drop_column("closed_at")
        batch.drop_column("claimed_at")
        batch.drop_column("worker_id")
    op.drop_table("outbox")
    op.drop_table("console_audit")
    op.drop_table("ticket_note")
    op.drop_table("worker")
