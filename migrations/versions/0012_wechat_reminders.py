"""WeChat reminders: what was already mentioned as falling after the 48-hour window, and the
parents' one-time subscription-message acceptances.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wechat_contact") as batch:
        batch.add_column(sa.Column("told_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "wechat_subscription",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("template_id", sa.String(length=128), nullable=False),
        sa.Column("scene", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_subscription")),
    )
    op.create_index(op.f("ix_wechat_subscription_user_key"), "wechat_subscription", ["user_key"])


def downgrade() -> None:
    op.drop_table("wechat_subscription")
    with op.batch_alter_table("wechat_contact") as batch:
        batch.drop_column("told_until")
