"""Parts fitted on a ticket, on SQLite and PostgreSQL: from the technician's stock in the
ticket's transaction (the stock, the `use` movement and the `part_used` event together, or
none of them), listed with the ticket with each part's warranty end; `free_replacement`
within and after a part's warranty, on the test clock (any date)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.parts import usage
from backend.products.models import CustomerProduct
from backend.tickets.models import Ticket
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.parts.conftest import COMPRESSOR, FILTER, SEAL, ledger_agrees
from tests.support.clock import TEST_NOW

TODAY = TEST_NOW.date()


async def held(client, username: str, part: str) -> int:
    rows = (await client.get(f"/api/v1/stock?technician={username}&part={part}",
                             headers=STAFF_HEADERS)).json()["items"]
    return sum(r["quantity"] for r in rows)


async def events(client, number: str) -> list[dict]:
    ticket = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    return [e for e in ticket["events"] if e["kind"].startswith("part_")]


async def test_a_technician_fits_a_part_from_their_stock(app, client, clock, post, technicians,
                                                        stock_technician, repair_for) -> None:
    a = technicians[0]
    await stock_technician(a.username, COMPRESSOR, 2)
    number = await repair_for(a.username)
    answer = await post(f"/api/v1/tickets/{number}/parts", {"part_number": "rf-cmp"},
                        headers=a.headers)
    [used] = answer["used"]
    assert used["part_number"] == COMPRESSOR and used["technician"] == a.username
    assert used["used_on"] == TODAY.isoformat()
    assert used["warranty_until"] == (TODAY + timedelta(days=365)).isoformat()
    assert used["kind"] == "main" and answer["removed"] == []
    assert await held(client, a.username, COMPRESSOR) == 1
    [event] = await events(client, number)
    assert event["kind"] == "part_used" and event["actor"] == f"staff:{a.username}"
    assert COMPRESSOR in event["note"] and used["warranty_until"] in event["note"]
    # Listed with the ticket, for everyone who may open it.
    listed = await client.get(f"/api/v1/tickets/{number}/parts", headers=a.headers)
    assert listed.json()["used"] == answer["used"]
    await ledger_agrees(app)


async def test_no_stock_no_part_and_nothing_written(app, client, post, technicians,
                                                    stock_technician, repair_for) -> None:
    a, b = technicians
    await stock_technician(b.username, SEAL, 1)  # someone else's does not count
    number = await repair_for(a.username)
    answer = await post(f"/api/v1/tickets/{number}/parts", {"part_number": SEAL},
                        headers=a.headers, expect=409)
    assert "not enough" in answer["detail"]
    await stock_technician(a.username, SEAL, 1)
    await post(f"/api/v1/tickets/{number}/parts", {"part_number": SEAL, "quantity": 2},
               headers=a.headers, expect=409)
    assert await events(client, number) == []
    assert (await client.get(f"/api/v1/tickets/{number}/parts", headers=a.headers)
            ).json()["used"] == []
    assert await held(client, a.username, SEAL) == 1
    await ledger_agrees(app)


async def test_who_fits_parts_on_which_ticket(client, post, role_headers, technicians,
                                              stock_technician, repair_for,
                                              change_status) -> None:
    a, b = technicians
    await stock_technician(a.username, SEAL, 3)
    theirs = await repair_for(b.username)
    # Not assigned to them: as if there were no such ticket.
    await post(f"/api/v1/tickets/{theirs}/parts", {"part_number": SEAL}, headers=a.headers,
               expect=404)
    assert (await client.get(f"/api/v1/tickets/{theirs}/parts", headers=a.headers)
            ).status_code == 404
    # Nor from someone else's stock.
    mine = await repair_for(a.username)
    await post(f"/api/v1/tickets/{mine}/parts", {"part_number": SEAL,
                                                 "technician": b.username},
               headers=a.headers, expect=422)
    # The desk names the technician whose stock it is.
    await post(f"/api/v1/tickets/{theirs}/parts", {"part_number": SEAL},
               headers=role_headers["dispatcher"], expect=422)
    answer = await post(f"/api/v1/tickets/{theirs}/parts",
                        {"part_number": SEAL, "technician": a.username},
                        headers=role_headers["supervisor"])
    assert answer["used"][0]["actor"] == "staff:supervisor1"
    await post(f"/api/v1/tickets/{theirs}/parts", {"part_number": SEAL,
                                                   "technician": a.username},
               headers=role_headers["agent"], expect=403)
    # A part for another appliance, and a ticket no longer open.
    await post(f"/api/v1/tickets/{mine}/parts", {"part_number": FILTER}, headers=a.headers,
               expect=422)
    assert (await change_status(mine, "cancelled")).status_code == 200
    await post(f"/api/v1/tickets/{mine}/parts", {"part_number": SEAL}, headers=a.headers,
               expect=409)
    assert await held(client, a.username, SEAL) == 2


async def _ticket(app, number: str) -> Ticket:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(Ticket).where(Ticket.number == number))
                ).scalar_one()


async def test_a_part_failing_again_within_its_warranty_is_replaced_free(
        app, client, clock, post, technicians, stock_technician, repair_for) -> None:
    a = technicians[0]
    await stock_technician(a.username, SEAL, 3)
    first = await repair_for(a.username)
    await post(f"/api/v1/tickets/{first}/parts", {"part_number": SEAL}, headers=a.headers)
    fitted = TEST_NOW.date()
    until = fitted + timedelta(days=90)

    clock.advance(days=60)
    again = await repair_for(a.username)  # the same customer's fridge (no product registered)
    ticket = await _ticket(app, again)

    async def free(on, part=SEAL, of=ticket):
        async with app.state.sessionmaker() as session:
            return await usage.free_replacement(db_session=session, ticket=of,
                                                part_number=part, on=on)

    earlier = await free(fitted + timedelta(days=60))
    assert earlier is not None and earlier.ticket_number == first
    assert (earlier.used_on, earlier.warranty_until) == (fitted, until)
    assert await free(until) is not None  # the last day is still covered
    assert await free(until + timedelta(days=1)) is None
    assert await free(fitted - timedelta(days=1)) is None  # not fitted yet then
    assert await free(fitted + timedelta(days=60), part="RF-CMP") is None
    # The first ticket's own part is what is being asked about there, not an earlier one.
    assert await free(fitted, of=await _ticket(app, first)) is None
    # Another customer's fridge, and another appliance of this customer.
    other = await _ticket(app, await repair_for(a.username,
                                                customer_overrides={"chat_id": "77"}))
    assert await free(fitted + timedelta(days=10), of=other) is None
    washer = await _ticket(app, await repair_for(a.username, product="洗衣机"))
    assert await free(fitted + timedelta(days=10), of=washer) is None


async def test_free_replacement_follows_the_registered_product(
        app, client, clock, post, technicians, stock_technician, repair_for) -> None:
    a = technicians[0]
    await stock_technician(a.username, SEAL, 2)
    first = await repair_for(a.username)
    await post(f"/api/v1/tickets/{first}/parts", {"part_number": SEAL}, headers=a.headers)
    async with app.state.sessionmaker() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == first))
                  ).scalar_one()
        product = CustomerProduct(customer_id=ticket.customer_id, category="冰箱",
                                  region="mainland", source="staff")
        session.add(product)
        await session.flush()
        ticket.product_id = product.id
        await session.commit()
        product_id = product.id
    clock.advance(days=30)
    # The customer's other, unlinked fridge tickets are another fridge as far as we know.
    unlinked = await _ticket(app, await repair_for(a.username))
    on = TEST_NOW.date() + timedelta(days=30)
    async with app.state.sessionmaker() as session:
        found = await usage.free_replacement(db_session=session, product_id=product_id,
                                             part_number=SEAL, on=on)
        assert found is not None and found.ticket_number == first
        assert await usage.free_replacement(db_session=session, ticket=unlinked,
                                            part_number=SEAL, on=on) is None
