"""Completions at the same moment on PostgreSQL (where transactions really overlap): tickets of
one technician whose parts need the same last units never take more than they hold, and a
completion that loses writes nothing."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from backend.parts import stock
from backend.service_records.models import ServiceRecord
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.parts.conftest import ledger_agrees
from tests.backend.parts.test_races import database_url  # noqa: F401  (PostgreSQL only)
from tests.backend.quotes.conftest import IN_WARRANTY
from tests.backend.service_records.conftest import COMPRESSOR, completion


async def _count(app, statement) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(statement)).scalar_one()


async def test_the_last_units_go_to_as_many_completions_as_they_cover(
        app, client, repair, technicians, stock_technician, monkeypatch) -> None:
    tech = technicians[0]
    await stock_technician(tech.username, COMPRESSOR, 2)
    tickets = [await repair(days_ago=IN_WARRANTY, assignee=tech.username) for _ in range(4)]
    # Every completion holds its ticket's lock and stands before the stock update together.
    all_there = asyncio.Barrier(len(tickets))
    change = stock._change

    async def in_step(db_session, part_id, holder, delta, now):
        if delta < 0:
            await all_there.wait()
        return await change(db_session, part_id, holder, delta, now)

    monkeypatch.setattr(stock, "_change", in_step)

    responses = await asyncio.wait_for(asyncio.gather(*(
        client.post(f"/api/v1/tickets/{number}/complete", json=completion(),
                    headers=STAFF_HEADERS) for number in tickets)), timeout=60)
    monkeypatch.undo()

    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 200, 409, 409], [r.text for r in responses]
    assert all("not enough" in r.json()["detail"] for r in responses if r.status_code == 409)
    assert await _count(app, select(func.count()).select_from(ServiceRecord)) == 2
    rows = (await client.get(f"/api/v1/stock?technician={tech.username}",
                             headers=STAFF_HEADERS)).json()["items"]
    assert [r["quantity"] for r in rows] == [0]
    lost = [n for n, r in zip(tickets, responses) if r.status_code == 409]
    for number in lost:  # nothing of the completion stayed
        ticket = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
        assert ticket["status"] == "assigned" and ticket["awaiting_acceptance_since"] is None
    await ledger_agrees(app)
