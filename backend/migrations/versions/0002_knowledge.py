"""Knowledge base: the knowledge_entries table and its seed data (backend/knowledge/seed.yml).

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from backend.knowledge.seed import load_seed

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    table = op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("product", sa.String(20), nullable=True),
        sa.Column("city", sa.String(50), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("question", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("keywords", sa.String(500), nullable=True),
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_knowledge_entries"),
    )
    op.create_index("ix_knowledge_entries_language_topic", "knowledge_entries",
                    ["language", "topic"])

    # Seed data: the rows as seed.yml has them now (editing seed.yml later changes new
    # databases only; existing ones are edited through the API or a later migration).
    now = datetime.now(UTC)
    if op.get_context().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC, like backend.kernel.database.UTCDateTime
    op.bulk_insert(table, [{**row, "updated_at": now} for row in load_seed()])


def downgrade() -> None:
    op.drop_table("knowledge_entries")
