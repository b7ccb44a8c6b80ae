"""Photos sent in the web chat, kept for a day for the photo reader (bot/channels/
webchat_upload.py).

A database that has the table already (made by `create_all` in a tool or test, as 0001 adopts
its tables) keeps it as it is.

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "bot_webchat_files" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "bot_webchat_files",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("chat_id", sa.String(64), nullable=False),
        # Fernet ciphertext of the image (bot.storage.models.SealedBytes).
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_bot_webchat_files_created_at", "bot_webchat_files", ["created_at"])


def downgrade() -> None:
    op.drop_table("bot_webchat_files")
