"""Photos waiting to be read for a product's registration (bot/photos.py).

A database that has the table already (made by `create_all` in a tool or test, as 0001 adopts
its tables) keeps it as it is.

Revision ID: 0002
Revises: 0001
Create Date: 2027-01-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    if "bot_photo_jobs" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "bot_photo_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("form_id", sa.String(64), nullable=False),
        # Fernet ciphertext (bot.storage.models.Sealed).
        sa.Column("file_id", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ_DATETIME, nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
    )
    op.create_index("ix_bot_photo_jobs_next_attempt_at", "bot_photo_jobs",
                    ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("bot_photo_jobs")
