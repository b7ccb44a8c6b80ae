"""The error-code tables (backend/knowledge/error_codes.yml) become knowledge entries: per code
and language one for its product and one general entry giving the code's meaning on each
product, all usage, all sample data. And the troubleshooting entries of seed.yml marked
`added_in: "0014"` (leaks, dishwasher salt and filter, ...) reach databases seeded before them
(a new database has them from migration 0002). An entry already there word for word is not
added twice; the downgrade removes the sample entries that are, word for word, these.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from backend.knowledge.seed import load_error_codes, load_seed

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ENTRIES = sa.table("knowledge_entries", sa.column("id", sa.Integer()),
                   sa.column("topic", sa.String()), sa.column("product", sa.String()),
                   sa.column("city", sa.String()), sa.column("language", sa.String()),
                   sa.column("question", sa.String()), sa.column("answer", sa.Text()),
                   sa.column("keywords", sa.String()), sa.column("sample", sa.Boolean()),
                   sa.column("updated_at", sa.DateTime(timezone=True)))


def _key(row) -> tuple:
    return (row["product"], row["language"], row["question"], row["answer"])


def _existing(connection) -> dict[tuple, int]:
    rows = connection.execute(sa.select(ENTRIES.c.id, ENTRIES.c.product, ENTRIES.c.language,
                                        ENTRIES.c.question, ENTRIES.c.answer)
                              .where(ENTRIES.c.topic == "usage")).mappings().all()
    return {_key(row): row["id"] for row in rows}


def _rows() -> list[dict]:
    return [*load_seed(with_sample=True, added_in=revision), *load_error_codes()]


def upgrade() -> None:
    connection = op.get_bind()
    existing = _existing(connection)
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC, like backend.kernel.database.UTCDateTime
    new = [{**row, "updated_at": now} for row in _rows() if _key(row) not in existing]
    if new:
        op.bulk_insert(ENTRIES, new)


def downgrade() -> None:
    connection = op.get_bind()
    existing = _existing(connection)
    ids = [existing[_key(row)] for row in load_error_codes() if _key(row) in existing]
    # The troubleshooting entries stay: a database new with 0002 has them from its seed.
    if ids:
        connection.execute(sa.delete(ENTRIES).where(ENTRIES.c.id.in_(ids),
                                                    ENTRIES.c.sample.is_(True)))
