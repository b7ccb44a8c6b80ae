"""Migration 0016 on SQLite and PostgreSQL: the phone hash of every customer who is not erased
is filled from their latest ticket with a phone (the keyed hash the backend writes and
searches); a phone no key reads is skipped; down and up again."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy import inspect

from backend.customers import phones
from backend.kernel import crypto
from backend.kernel.database import make_engine
from backend.migrate import downgrade, upgrade_async
from tests.backend.conftest import ENCRYPTION_KEY
from tests.backend.test_migrations import _execute, empty_database  # noqa: F401 (a fixture)

NOW = sa.literal_column("CURRENT_TIMESTAMP")


async def _columns(url: str) -> tuple[set[str], set[str]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            def read(sync_connection):
                inspector = inspect(sync_connection)
                return ({c["name"] for c in inspector.get_columns("customers")},
                        {i["name"] for i in inspector.get_indexes("customers")})
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def _customers():
    return sa.table("customers", sa.column("id"), sa.column("language"),
                    sa.column("anonymised_at"), sa.column("created_at"),
                    sa.column("updated_at"))


def _tickets():
    return sa.table("tickets", *(sa.column(c) for c in (
        "id", "number", "type", "status", "priority", "description", "details", "phone",
        "customer_id", "channel", "chat_id", "language", "idempotency_key",
        "request_fingerprint", "created_at", "updated_at")))


def _ticket(row_id: int, customer_id: int, phone: str | None) -> dict:
    return {"id": row_id, "number": f"RS-20261204-{row_id:04d}", "type": "repair",
            "status": "new", "priority": "normal", "description": crypto.encrypt("不制冷"),
            "details": crypto.encrypt("{}"), "phone": phone, "customer_id": customer_id,
            "channel": "telegram", "chat_id": str(customer_id), "language": "zh-Hans",
            "idempotency_key": f"k{row_id}", "request_fingerprint": "f", "created_at": NOW,
            "updated_at": NOW}


async def test_0016_fills_the_phone_hash_from_the_latest_ticket(empty_database: str) -> None:
    crypto.configure(ENCRYPTION_KEY)
    url = empty_database
    await upgrade_async(url, "0015")
    lost_key = Fernet(Fernet.generate_key())
    await _execute(
        url,
        sa.insert(_customers()).values([
            {"id": i, "language": "zh-Hans", "anonymised_at": NOW if i == 4 else None,
             "created_at": NOW, "updated_at": NOW} for i in range(1, 6)]),
        *(sa.insert(_tickets()).values(_ticket(*row)) for row in [
            (1, 1, crypto.encrypt("13800138000")),
            (2, 1, crypto.encrypt("+86 139 0013 9000")),  # customer 1's latest number
            (3, 1, None),  # a later ticket without one changes nothing
            (4, 2, crypto.encrypt("+85291234567")),
            (5, 3, None),  # customer 3 never gave a number
            (6, 4, None),  # customer 4 was erased (phones emptied)
            (7, 5, lost_key.encrypt(b"13700137000").decode()),  # no configured key reads it
        ]),
    )

    await upgrade_async(url)

    [rows] = await _execute(url, sa.text("SELECT id, phone_hash FROM customers ORDER BY id"))
    assert dict(rows) == {1: phones.current_hash("13900139000"),
                          2: phones.current_hash("9123 4567"), 3: None, 4: None, 5: None}
    columns, indexes = await _columns(url)
    assert "phone_hash" in columns and "ix_customers_phone_hash" in indexes

    await asyncio.to_thread(downgrade, url, "0015")
    columns, indexes = await _columns(url)
    assert "phone_hash" not in columns and "ix_customers_phone_hash" not in indexes
    [[(tickets,)]] = await _execute(url, sa.text("SELECT count(*) FROM tickets"))
    assert tickets == 7  # nothing cascaded

    await upgrade_async(url)
    [rows] = await _execute(url, sa.text("SELECT phone_hash FROM customers WHERE id = 2"))
    assert rows == [(phones.current_hash("+852 9123 4567"),)]
