"""Safety follow-through: an urgent ticket keeps whether the child is safe now and the parent's
answers to the crisis reply's questions (encrypted).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_ticket") as batch:
        batch.add_column(sa.Column("safety", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("follow_up", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoff_ticket") as batch:
        batch.drop_column("follow_up")
        batch.drop_column("safety")
