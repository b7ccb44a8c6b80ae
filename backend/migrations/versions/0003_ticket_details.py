"""Tickets carry the details a form collected and the files the customer sent.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=False,
                                   server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("attachments")
        batch.drop_column("details")
