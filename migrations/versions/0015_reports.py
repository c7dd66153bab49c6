"""The reports: the turn log (what each turn was about, never words), feedback on answers, the
district of an unanswered question, and the summary tables the scheduler refreshes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "turn_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("family", sa.String(length=40), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=True),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("service", sa.String(length=64), nullable=True),
        sa.Column("after_service", sa.String(length=64), nullable=True),
        sa.Column("flow", sa.String(length=40), nullable=True),
        sa.Column("step", sa.String(length=40), nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("province", sa.String(length=32), nullable=True),
        sa.Column("city", sa.String(length=32), nullable=True),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.Column("handoff", sa.Boolean(), nullable=False),
        sa.Column("gap", sa.Boolean(), nullable=False),
        sa.Column("question", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_turn_log")),
    )
    op.create_index(op.f("ix_turn_log_day"), "turn_log", ["day"])
    op.create_index("ix_turn_log_province_day", "turn_log", ["province", "day"])
    op.create_index("ix_turn_log_city_day", "turn_log", ["city", "day"])
    op.create_index("ix_turn_log_district_day", "turn_log", ["district", "day"])
    op.create_index("ix_turn_log_flow_family", "turn_log", ["flow", "family"])
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("family", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("province", sa.String(length=32), nullable=True),
        sa.Column("city", sa.String(length=32), nullable=True),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_feedback")),
    )
    op.create_index(op.f("ix_answer_feedback_day"), "answer_feedback", ["day"])
    op.create_index("ix_answer_feedback_city_day", "answer_feedback", ["city", "day"])
    with op.batch_alter_table("unanswered_question") as batch:
        batch.add_column(sa.Column("district", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("family", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("scrubbed", sa.Text(), nullable=True))
        batch.add_column(sa.Column("terms", sa.String(length=200), nullable=True))
        batch.create_index(batch.f("ix_unanswered_question_created_at"), ["created_at"])
        batch.create_index(batch.f("ix_unanswered_question_family"), ["family"])
    op.create_table(
        "report_summary",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_summary")),
    )
    op.create_index("ix_report_summary_lookup", "report_summary", ["name", "scope", "since"])
    op.create_table(
        "report_refresh",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_refresh")),
    )


def downgrade() -> None:
    op.drop_table("report_refresh")
    op.drop_table("report_summary")
    with op.batch_alter_table("unanswered_question") as batch:
        batch.drop_index(batch.f("ix_unanswered_question_family"))
        batch.drop_index(batch.f("ix_unanswered_question_created_at"))
        for column in ("terms", "scrubbed", "family", "district"):
            batch.drop_column(column)
    op.drop_table("answer_feedback")
    op.drop_table("turn_log")
