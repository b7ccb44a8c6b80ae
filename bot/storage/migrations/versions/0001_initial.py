"""The bot's tables as `create_all` made them before the bot had migrations.

A database made that way (some or all of these tables, no `bot_alembic_version`) is adopted:
the tables there are kept as they are, the missing ones are made, and the database is stamped
at this revision.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)
TABLES = ("bot_conversations", "bot_processed_updates", "bot_inbox", "bot_outgoing",
          "bot_submissions", "bot_delivered_events", "bot_push_nonces")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    def create(name: str, *elements: sa.schema.SchemaItem) -> bool:
        if name in existing:
            return False
        op.create_table(name, *elements)
        return True

    create(
        "bot_conversations",
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("chat_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
    )
    create(
        "bot_processed_updates",
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("update_id", sa.String(100), primary_key=True),
        sa.Column("processed_at", TZ_DATETIME, nullable=False),
    )
    if create(
        "bot_inbox",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("update_id", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", TZ_DATETIME, nullable=False),
        sa.UniqueConstraint("channel", "update_id"),
    ):
        op.create_index("ix_bot_inbox_chat_id", "bot_inbox", ["chat_id"])
    if create(
        "bot_outgoing",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
    ):
        op.create_index("ix_bot_outgoing_chat_id", "bot_outgoing", ["chat_id"])
    create(
        "bot_submissions",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("form", sa.String(40), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("ticket", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ_DATETIME, nullable=False),
    )
    create(
        "bot_delivered_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("delivered_at", TZ_DATETIME, nullable=False),
    )
    if create(
        "bot_push_nonces",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("expires_at", TZ_DATETIME, nullable=False),
    ):
        op.create_index("ix_bot_push_nonces_expires_at", "bot_push_nonces", ["expires_at"])


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
