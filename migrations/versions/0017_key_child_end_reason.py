"""Key children: why and when the key care ended (a worker ended it, the parent withdrew their
consent in the chat, the parent deleted their data), and who ended it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("key_child") as table:
        table.add_column(sa.Column("end_reason", sa.String(length=16), nullable=True))
        table.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("ended_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("key_child") as table:
        table.drop_column("ended_by")
        table.drop_column("ended_at")
        table.drop_column("end_reason")
