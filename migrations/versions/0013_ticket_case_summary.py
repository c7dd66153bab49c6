"""A ticket's case summary (the child's age and stage, the places, the open flow, what was asked and
told; dialogues/case_summary.py), encrypted: it holds the child's data.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_ticket") as batch:
        batch.add_column(sa.Column("case_summary", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoff_ticket") as batch:
        batch.drop_column("case_summary")
