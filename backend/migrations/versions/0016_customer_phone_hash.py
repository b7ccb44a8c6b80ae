"""Customers found by phone number: `customers.phone_hash`, indexed, the HMAC-SHA256 of the
canonical form of the phone number of the customer's latest ticket that gave one
(backend/customers/phones.py; the key is derived from the first key of FIELD_ENCRYPTION_KEYS,
like the one every new ticket's hash is made with). The number itself stays where it was, on
the tickets, encrypted.

The upgrade fills the hash of every customer who is not erased from their latest ticket with a
phone, in batches of customers (one executemany each), in the migration's one transaction. A
phone no configured key decrypts is skipped (counted in the log): that customer is found by
number again from their next ticket. The downgrade drops the index and the column (on SQLite
with ALTER TABLE DROP COLUMN, SQLite 3.35+, not by copying the table: see 0012).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from backend.customers import phones
from backend.kernel import crypto

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 1000
log = logging.getLogger("alembic.runtime.migration")


def _latest_phones(bind: sa.Connection, after: int) -> list[tuple[int, str]]:
    """(customer id, phone ciphertext of their latest ticket with one) for the next batch of
    customers not erased, by id."""
    customers = sa.table("customers", sa.column("id", sa.Integer),
                         sa.column("anonymised_at"))
    tickets = sa.table("tickets", sa.column("id", sa.Integer),
                       sa.column("customer_id", sa.Integer), sa.column("phone", sa.Text))
    latest = (sa.select(tickets.c.phone)
              .where(tickets.c.customer_id == customers.c.id, tickets.c.phone.is_not(None))
              .order_by(tickets.c.id.desc()).limit(1).scalar_subquery())
    rows = bind.execute(sa.select(customers.c.id, latest)
                        .where(customers.c.id > after, customers.c.anonymised_at.is_(None))
                        .order_by(customers.c.id).limit(BATCH)).all()
    return [(row[0], row[1]) for row in rows]


def _fill() -> None:
    bind = op.get_bind()
    customers = sa.table("customers", sa.column("id", sa.Integer),
                         sa.column("phone_hash", sa.String(64)))
    write = (sa.update(customers).where(customers.c.id == sa.bindparam("row_id"))
             .values(phone_hash=sa.bindparam("digest")))
    last, filled, unreadable = 0, 0, 0
    while rows := _latest_phones(bind, last):
        last = rows[-1][0]
        changes = []
        for customer_id, ciphertext in rows:
            if ciphertext is None:
                continue
            try:
                digest = phones.current_hash(crypto.decrypt(ciphertext))
            except crypto.DecryptionError:
                unreadable += 1
                continue
            if digest is not None:
                changes.append({"row_id": customer_id, "digest": digest})
        if changes:
            bind.execute(write, changes)
            filled += len(changes)
    log.info("0016: phone hashes of %d customers filled; %d phones unreadable with the "
             "configured keys", filled, unreadable)


def upgrade() -> None:
    if op.get_context().as_sql:
        raise RuntimeError("migration 0016 reads encrypted phone numbers: run it against the "
                           "database, not as SQL")
    op.add_column("customers", sa.Column("phone_hash", sa.String(64), nullable=True))
    op.create_index("ix_customers_phone_hash", "customers", ["phone_hash"])
    _fill()


def downgrade() -> None:
    op.drop_index("ix_customers_phone_hash", table_name="customers")
    op.execute("ALTER TABLE customers DROP COLUMN phone_hash")
