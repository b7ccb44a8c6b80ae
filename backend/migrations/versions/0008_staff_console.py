"""Staff console: escalations, and the customer's answer to an appointment.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("escalated_to", sa.String(16), nullable=True))
        batch.add_column(sa.Column("escalated_at", TZ_DATETIME, nullable=True))
        batch.add_column(sa.Column("appointment_confirmed_at", TZ_DATETIME, nullable=True))
        batch.add_column(sa.Column("appointment_request", sa.String(200), nullable=True))
        batch.create_index("ix_tickets_escalated_to", ["escalated_to"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_escalated_to")
        batch.drop_column("appointment_request")
        batch.drop_column("appointment_confirmed_at")
        batch.drop_column("escalated_at")
        batch.drop_column("escalated_to")
