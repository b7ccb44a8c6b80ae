"""Migration 0025 on a database with a ticket: it queues every ticket (their facts gain the
service columns), its triggers queue what the service facts are made of and nothing else, and
its downgrade puts the triggers of 0011 back (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from backend.kernel.database import make_engine
from backend.migrate import downgrade, upgrade_async
from tests.support.db import postgres_database, sqlite_database

TICKET = sa.text(
    "INSERT INTO tickets (id, number, type, status, priority, description, details, "
    "customer_id, channel, chat_id, language, idempotency_key, request_fingerprint, "
    "created_at, updated_at) VALUES (7, 'RS-20261205-0007', 'repair', 'new', 'normal', '', "
    "'{}', 1, 'telegram', '42', 'zh-Hans', 'k7', 'f', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest):
    factory = sqlite_database if request.param == "sqlite" else postgres_database
    with factory(migrate=False) as url:
        yield url


async def _run(url: str, *statements: str | sa.TextClause) -> list:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            results = []
            for statement in statements:
                result = await connection.execute(
                    sa.text(statement) if isinstance(statement, str) else statement)
                results.append(result.all() if result.returns_rows else None)
            return results
    finally:
        await engine.dispose()


async def _queued_after(url: str, *statements: str) -> list[int]:
    """The ticket ids the statements queued (the queue emptied first)."""
    *_, queued = await _run(url, "DELETE FROM ticket_facts_queue", *statements,
                            "SELECT ticket_id FROM ticket_facts_queue ORDER BY id")
    return [ticket_id for (ticket_id,) in queued]


async def test_0025_queues_the_service_and_its_downgrade_restores_0011(
        empty_database: str) -> None:
    url = empty_database
    await upgrade_async(url, "0024")
    await _run(url, "INSERT INTO customers (id, language, created_at, updated_at) "
                    "VALUES (1, 'zh-Hans', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", TICKET,
               "DELETE FROM ticket_facts_queue")
    assert await _queued_after(url, "UPDATE tickets SET resolved_by = 'staff'") == []

    await upgrade_async(url, "0025")

    [queued] = await _run(url, "SELECT ticket_id FROM ticket_facts_queue")
    assert queued == [(7,)]  # every ticket, for its new columns
    assert await _queued_after(url, "UPDATE tickets SET resolved_by = 'override'") == [7]
    assert await _queued_after(url, "UPDATE tickets SET city = '香港'") == [7]
    assert await _queued_after(
        url, "INSERT INTO payments (ticket_id, amount, currency, method, receipt_number, "
             "recorded_by, recorded_at) VALUES (7, 3000, 'CNY', 'cash', 'R-1', 'staff:a', "
             "CURRENT_TIMESTAMP)") == [7]
    use = ("INSERT INTO stock_movements (kind, part_id, quantity, ticket_id, actor, created_at) "
           "VALUES ('{kind}', 1, 1, {ticket}, 'staff:a', CURRENT_TIMESTAMP)")
    assert await _queued_after(url, use.format(kind="receipt", ticket="NULL")) == []
    assert await _queued_after(url, use.format(kind="use", ticket=7)) == [7]
    assert await _queued_after(url, "UPDATE parts SET price_cny = price_cny + 1 "
                                    "WHERE id = 1") == [7]
    assert await _queued_after(url, "UPDATE parts SET price_cny = price_cny WHERE id = 1") == []
    event = ("INSERT INTO ticket_events (ticket_id, kind, actor, created_at) "
             "VALUES (7, '{kind}', 'customer:telegram:42', CURRENT_TIMESTAMP)")
    assert await _queued_after(url, event.format(kind="note")) == []
    assert await _queued_after(url, event.format(kind="acceptance_rejected")) == [7]

    await asyncio.to_thread(downgrade, url, "0024")

    assert await _queued_after(url, "UPDATE tickets SET resolved_by = 'staff'",
                               event.format(kind="acceptance_rejected"),
                               use.format(kind="use", ticket=7)) == []
    assert await _queued_after(url, "UPDATE tickets SET status = 'assigned'") == [7]
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(
                lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("ticket_facts")})
    finally:
        await engine.dispose()
    assert "revenue" not in names and "repeat_repair" in names
