"""The console's queue without a scan of every ticket: partial indexes on the tickets not closed,
one in the queue's order within an urgency (urgency, created_at, id), one for the counts per urgency
within a worker's scope (city, district, urgency).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

NOT_CLOSED = sa.text("status <> 'closed'")


def upgrade() -> None:
    op.create_index(
        "ix_handoff_ticket_queue",
        "handoff_ticket",
        ["urgency", "created_at", "id"],
        postgresql_where=NOT_CLOSED,
        sqlite_where=NOT_CLOSED,
    )
    op.create_index(
        "ix_handoff_ticket_scope",
        "handoff_ticket",
        ["city", "district", "urgency"],
        postgresql_where=NOT_CLOSED,
        sqlite_where=NOT_CLOSED,
    )


def downgrade() -> None:
    op.drop_index("ix_handoff_ticket_scope", table_name="handoff_ticket")
    op.drop_index("ix_handoff_ticket_queue", table_name="handoff_ticket")
