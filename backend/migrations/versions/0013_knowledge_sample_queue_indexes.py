"""Knowledge entries say whether they are sample data (`sample`), for staff; customers get the
answer alone. And the live queue's recent waits are found by index.

Until now the seeded answers told the customer themselves, starting with 【示例数据】,
【示例資料】 or "[Sample data]". Every entry whose answer starts so loses the marker
(`backend.knowledge.seed.strip_sample_marker`; 【示例数据，人民币，以网点报价为准】 keeps
【人民币，以网点报价为准】) and is flagged; so is every entry that is, word for word, a seed
answer (a database new with this revision: migration 0002 inserted the seed, which carries no
marker any more). Entries staff wrote themselves stay unflagged. The downgrade drops the flag
and leaves the answers as they are.

`handoffs.requested_at` and `handoffs.taken_at` get an index each: the expected wait told to a
waiting customer comes from the customers taken in the last days and who waited ahead of them
(backend.handoff.service.minutes_per_place), asked on every change of the line.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.knowledge.seed import load_seed, strip_sample_marker

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ENTRIES = sa.table("knowledge_entries", sa.column("id", sa.Integer()),
                   sa.column("topic", sa.String()), sa.column("product", sa.String()),
                   sa.column("city", sa.String()), sa.column("language", sa.String()),
                   sa.column("answer", sa.Text()), sa.column("sample", sa.Boolean()))


def _seed_key(row) -> tuple:
    return (row["topic"], row["product"], row["city"], row["language"], row["answer"])


def upgrade() -> None:
    op.create_index("ix_handoffs_requested_at", "handoffs", ["requested_at"])
    op.create_index("ix_handoffs_taken_at", "handoffs", ["taken_at"])
    op.add_column("knowledge_entries", sa.Column("sample", sa.Boolean(), nullable=False,
                                                 server_default=sa.false()))
    seeded = {_seed_key(row) for row in load_seed(with_sample=True) if row["sample"]}
    connection = op.get_bind()
    rows = connection.execute(sa.select(ENTRIES.c.id, ENTRIES.c.topic, ENTRIES.c.product,
                                        ENTRIES.c.city, ENTRIES.c.language, ENTRIES.c.answer)
                              ).mappings().all()
    for row in rows:
        answer, marked = strip_sample_marker(row["answer"])
        if marked or _seed_key(row) in seeded:
            connection.execute(sa.update(ENTRIES).where(ENTRIES.c.id == row["id"])
                               .values(answer=answer, sample=True))


def downgrade() -> None:
    with op.batch_alter_table("knowledge_entries") as batch:
        batch.drop_column("sample")
    op.drop_index("ix_handoffs_taken_at", "handoffs")
    op.drop_index("ix_handoffs_requested_at", "handoffs")
