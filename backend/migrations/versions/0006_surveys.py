"""Return-visit surveys (one per resolved ticket); customers may opt out of them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("answered_at", TZ_DATETIME, nullable=True),
        sa.Column("reminded_at", TZ_DATETIME, nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("explained_usage", sa.Boolean(), nullable=True),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_surveys"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_surveys_ticket_id_tickets"),
        sa.UniqueConstraint("ticket_id", name="uq_surveys_ticket_id"),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5",
                           name="ck_surveys_rating_range"),
    )
    op.create_index("ix_surveys_state_created_at", "surveys", ["state", "created_at"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("survey_opt_out", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("survey_opt_out")
    op.drop_index("ix_surveys_state_created_at", table_name="surveys")
    op.drop_table("surveys")
