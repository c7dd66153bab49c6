"""The reports' daily rollup of the turn log (bot/reports/rollup.py): per measure, place level, key
and day, the turns and the families whose last turn of the cell fell on that day.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_rollup",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=32), nullable=True),
        sa.Column("city", sa.String(length=32), nullable=True),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.Column("key1", sa.String(length=40), nullable=True),
        sa.Column("key2", sa.String(length=40), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("families", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_rollup")),
    )
    op.create_index(
        "ix_report_rollup_lookup", "report_rollup", ["measure", "level", "province", "city", "day"]
    )


def downgrade() -> None:
    op.drop_index("ix_report_rollup_lookup", table_name="report_rollup")
    op.drop_table("report_rollup")
