"""Service records (backend/service_records/): `service_records` (one row per version of a
ticket's record, its content encrypted, its sha256, the customer's signature), and
`tickets.resolved_by` (confirmed | timeout | override | staff), filled for the tickets
resolved before from the actor of their last resolution: the customer (confirmed), the
acceptance timeout (timeout), anyone else (staff: no override reason was asked then).

`tickets` gains its column in place (no batch copy: on SQLite that would drop the
statistics' triggers on it, 0011).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "service_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("fault_category", sa.String(40), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("signed_at", TZ_DATETIME, nullable=True),
        sa.Column("signed_channel", sa.String(16), nullable=True),
        sa.Column("rejected_at", TZ_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_service_records"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_service_records_ticket_id_tickets"),
        sa.UniqueConstraint("ticket_id", "version",
                            name="uq_service_records_ticket_id_version"),
    )
    op.create_index("ix_service_records_ticket_id", "service_records", ["ticket_id"])
    op.create_index("ix_service_records_fault_category", "service_records",
                    ["fault_category"])
    op.add_column("tickets", sa.Column("resolved_by", sa.String(16), nullable=True))
    op.execute("""
        UPDATE tickets SET resolved_by = (
            SELECT CASE WHEN e.actor LIKE 'customer:%' THEN 'confirmed'
                        WHEN e.actor = 'system:acceptance' THEN 'timeout'
                        ELSE 'staff' END
            FROM ticket_events e
            WHERE e.ticket_id = tickets.id AND e.to_status = 'resolved'
            ORDER BY e.id DESC LIMIT 1)
        WHERE status IN ('resolved', 'closed')""")


def downgrade() -> None:
    op.drop_column("tickets", "resolved_by")
    op.drop_index("ix_service_records_fault_category", table_name="service_records")
    op.drop_index("ix_service_records_ticket_id", table_name="service_records")
    op.drop_table("service_records")
