"""Planned reminders: why a row was cancelled (re-planned, stopped, withdrawn...) while a dispatcher or
a parent's turn held it. The claim's end cancels it with that reason unless the reminder went out.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("planned_reminder") as table:
        table.add_column(sa.Column("cancelled_while_claimed", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("planned_reminder") as table:
        table.drop_column("cancelled_while_claimed")
