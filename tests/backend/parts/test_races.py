"""Concurrent movements on PostgreSQL (where transactions really overlap; SQLite serialises
writers): two uses of a technician's last unit at the same moment, exactly one wins; many
uses of a few units, no more succeed than there were; issues and returns crossing each other
neither deadlock nor lose a unit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from backend.parts import stock, usage
from backend.parts.errors import NotEnoughStock
from backend.parts.models import StockMovement
from backend.parts.schemas import UseIn
from backend.tickets.models import TicketEvent
from tests.backend.conftest import STAFF_HEADERS, PostgresCopies
from tests.backend.parts.conftest import OUTLET, SEAL, ledger_agrees


@pytest.fixture
def database_url(postgres_copies: PostgresCopies) -> Iterator[str]:
    """PostgreSQL only, here."""
    url = postgres_copies.take()
    try:
        yield url
    finally:
        postgres_copies.give_back(url)


async def _count(app, statement) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(statement)).scalar_one()


async def test_two_uses_of_the_last_unit_at_once_one_wins(app, client, technicians,
                                                          stock_technician, repair_for,
                                                          monkeypatch) -> None:
    a = technicians[0]
    await stock_technician(a.username, SEAL, 1)
    tickets = [await repair_for(a.username) for _ in range(2)]
    # Both transactions hold their ticket's lock and stand before the stock update together.
    both_there = asyncio.Barrier(2)
    change = stock._change

    async def in_step(db_session, part_id, holder, delta, now):
        if delta < 0:
            await both_there.wait()
        return await change(db_session, part_id, holder, delta, now)

    monkeypatch.setattr(stock, "_change", in_step)

    async def use(number: str):
        async with app.state.sessionmaker() as session:
            return await usage.use(db_session=session, number=number, actor="staff:tech-a",
                                   data=UseIn(part_number=SEAL),
                                   caller_technician_id=a.id)

    results = await asyncio.wait_for(
        asyncio.gather(*(use(n) for n in tickets), return_exceptions=True), timeout=30)
    won = [r for r in results if isinstance(r, StockMovement)]
    lost = [r for r in results if isinstance(r, NotEnoughStock)]
    assert (len(won), len(lost)) == (1, 1), results
    monkeypatch.undo()
    assert await _count(app, select(func.count()).select_from(StockMovement)
                        .where(StockMovement.kind == "use")) == 1
    assert await _count(app, select(func.count()).select_from(TicketEvent)
                        .where(TicketEvent.kind == "part_used")) == 1
    rows = (await client.get(f"/api/v1/stock?technician={a.username}",
                             headers=STAFF_HEADERS)).json()["items"]
    assert [r["quantity"] for r in rows] == [0]
    await ledger_agrees(app)


async def test_many_uses_of_few_units(app, client, technicians, stock_technician,
                                      repair_for) -> None:
    a = technicians[0]
    await stock_technician(a.username, SEAL, 3)
    tickets = [await repair_for(a.username) for _ in range(6)]
    answers = await asyncio.gather(*(
        client.post(f"/api/v1/tickets/{n}/parts", json={"part_number": SEAL},
                    headers=a.headers) for n in tickets))
    assert sorted(r.status_code for r in answers) == [201] * 3 + [409] * 3
    await ledger_agrees(app)


async def test_issues_and_returns_crossing_neither_deadlock_nor_lose_units(
        app, client, post, technicians) -> None:
    a = technicians[0]
    await post("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": OUTLET,
                                          "quantity": 10})
    await post("/api/v1/stock/issues", {"part_number": SEAL, "outlet_id": OUTLET,
                                        "technician": a.username, "quantity": 10})
    await post("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": OUTLET,
                                          "quantity": 10})
    move = {"part_number": SEAL, "outlet_id": OUTLET, "technician": a.username}
    answers = await asyncio.gather(*(
        client.post(f"/api/v1/stock/{'issues' if i % 2 else 'returns'}", json=move,
                    headers=STAFF_HEADERS) for i in range(20)))
    assert [r.status_code for r in answers] == [201] * 20
    rows = (await client.get(f"/api/v1/stock?part={SEAL}", headers=STAFF_HEADERS)).json()["items"]
    assert sorted(r["quantity"] for r in rows) == [10, 10]
    await ledger_agrees(app)
