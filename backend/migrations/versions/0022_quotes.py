"""Quotes and payments (backend/quotes/): `quotes` (a ticket's quote, one row per version,
naming the fee-standard version that priced it), `quote_lines` (visit fee, labour items, parts:
names in three languages, unit price, amount, in warranty and why) and `payments` (recorded,
not processed: amount, method, receipt number unique).

New tables only: nothing is copied, so no table's triggers are touched on SQLite.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("needs_acceptance", sa.Boolean(), nullable=False),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("fee_standard_id", sa.Integer(), nullable=False),
        sa.Column("fee_standard_version", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("declined_charge", sa.Integer(), nullable=False),
        sa.Column("built_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("decided_at", TZ_DATETIME, nullable=True),
        sa.Column("decision_event_id", sa.Integer(), nullable=True),
        sa.Column("decline_reason", sa.String(16), nullable=True),
        sa.Column("ended_at", TZ_DATETIME, nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_quotes"),
        _fk("quotes", "ticket_id", "tickets", "CASCADE"),
        _fk("quotes", "fee_standard_id", "fee_standards"),
        _fk("quotes", "decision_event_id", "ticket_events", "SET NULL"),
        sa.UniqueConstraint("ticket_id", "version", name="uq_quotes_ticket_id_version"),
        sa.CheckConstraint("total >= 0", name="ck_quotes_total_not_negative"),
    )
    op.create_index("ix_quotes_ticket_id", "quotes", ["ticket_id"])
    op.create_table(
        "quote_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("name_zh_hans", sa.String(100), nullable=False),
        sa.Column("name_zh_hant", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("in_warranty", sa.Boolean(), nullable=False),
        sa.Column("warranty_reason", sa.String(24), nullable=True),
        sa.Column("warranty_until", sa.Date(), nullable=True),
        sa.Column("earlier_ticket", sa.String(24), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_quote_lines"),
        _fk("quote_lines", "quote_id", "quotes", "CASCADE"),
        sa.UniqueConstraint("quote_id", "position", name="uq_quote_lines_quote_id_position"),
        sa.CheckConstraint("quantity > 0", name="ck_quote_lines_quantity_positive"),
        sa.CheckConstraint("unit_price >= 0 AND amount >= 0",
                           name="ck_quote_lines_amounts_not_negative"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("receipt_number", sa.String(64), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        _fk("payments", "ticket_id", "tickets", "CASCADE"),
        _fk("payments", "quote_id", "quotes", "SET NULL"),
        sa.UniqueConstraint("receipt_number", name="uq_payments_receipt_number"),
        sa.CheckConstraint("amount > 0", name="ck_payments_amount_positive"),
    )
    op.create_index("ix_payments_ticket_id", "payments", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("payments")
    op.drop_table("quote_lines")
    op.drop_table("quotes")
