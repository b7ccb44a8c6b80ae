"""The completion's question (`quotes.service.quote_state`: may the ticket be recorded as done
with this work, and what is the agreed charge) and payments (recorded, not processed: once per
receipt number), on SQLite and PostgreSQL; the customer's words on a decline encrypted at rest,
and erased with the customer."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select

from backend.quotes import service
from backend.tickets.models import Ticket
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.quotes.conftest import IN_WARRANTY, events, quotes_of
from tests.privacy.leaks import column_leaks, database_files, file_leaks, found


async def gate(app, number: str, work: tuple[str, ...] = (), parts: dict | None = None):
    async with app.state.sessionmaker() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))
                  ).scalar_one()
        return await service.quote_state(db_session=session, ticket=ticket, work_items=work,
                                         parts=parts)


async def test_chargeable_work_is_recorded_as_done_only_once_its_quote_is_accepted(
        app, repair, quote, answer) -> None:
    number = await repair()
    state = await gate(app, number)  # nothing named, nothing quoted: nothing to charge
    assert (state.may_complete, state.state, state.charge.total) == (True, "no_charge", 0)
    state = await gate(app, number, ("RF-MAJOR",), {"RF-CMP": 1})
    assert (state.may_complete, state.state, state.charge) == (False, "not_quoted", None)
    assert "RF-MAJOR ×1, RF-CMP ×1" in state.message

    await quote(number, items=[{"code": "RF-MAJOR"}], parts=[{"part_number": "RF-CMP"}])
    state = await gate(app, number, ("RF-MAJOR",), {"RF-CMP": 1})
    assert (state.may_complete, state.state) == (False, "awaiting_customer")

    assert (await answer(number, "accept", 1)).status_code == 200
    state = await gate(app, number, ("RF-MAJOR",), {"RF-CMP": 1})
    assert (state.may_complete, state.state) == (True, "accepted")
    charge = state.charge
    assert (charge.currency, charge.total) == ("CNY", 119000)
    assert [(line.kind, line.code, line.amount) for line in charge.lines] == [
        ("visit", None, 3000), ("labour", "RF-MAJOR", 18000), ("part", "RF-CMP", 98000)]
    assert names(charge.lines[2]) == ("冰箱压缩机", "雪櫃壓縮機", "Fridge compressor")
    # Less than quoted is within the agreement; more, or other work, is not.
    assert (await gate(app, number, ("RF-MAJOR",))).may_complete
    beyond = await gate(app, number, ("RF-MAJOR", "RF-GAS"), {"RF-CMP": 2})
    assert (beyond.may_complete, beyond.state) == (False, "not_in_quote")
    assert "RF-GAS ×1, RF-CMP ×2" in beyond.message


def names(line) -> tuple[str, str, str]:
    return line.names


async def test_a_declined_quote_completes_with_the_visit_fee_only(client, app, repair, quote,
                                                                  answer) -> None:
    number = await repair()
    await quote(number, items=[{"code": "RF-MAJOR"}])
    await answer(number, "decline", 1, reason="buy_new")
    state = await gate(app, number)
    assert (state.may_complete, state.state, state.charge.total) == (True, "declined", 3000)
    assert [(line.kind, line.amount) for line in state.charge.lines] == [("visit", 3000)]
    refused = await gate(app, number, ("RF-MAJOR",))
    assert (refused.may_complete, refused.state) == (False, "not_in_quote")
    overview = await quotes_of(client, number)
    assert overview["gate"]["charge"] == {
        "currency": "CNY", "total": "30.00", "lines": [overview["current"]["lines"][0]
                                                       | {"amount": "30.00"}]}


async def test_free_work_needs_no_quote(app, repair) -> None:
    number = await repair(days_ago=IN_WARRANTY)
    state = await gate(app, number, ("RF-MAJOR",), {"RF-CMP": 1})
    assert (state.may_complete, state.state, state.charge.total) == (True, "no_charge", 0)
    assert all(line.in_warranty and line.warranty_reason == "product_warranty"
               for line in state.charge.lines)
    wearing = await gate(app, number, (), {"RF-DOOR-SEAL": 1})
    assert (wearing.may_complete, wearing.state) == (False, "not_quoted")


async def test_payments_are_recorded_once_per_receipt(client, repair, quote, technicians,
                                                      role_headers) -> None:
    tech = technicians[0]
    number = await repair(assignee=tech.username)
    other = await repair()
    await quote(number, items=[{"code": "RF-GAS"}])
    path = f"/api/v1/tickets/{number}/payments"

    paid = await client.post(path, headers=tech.headers, json={
        "amount": "210", "method": "wechat_pay", "receipt_number": " wx 2026-0001 "})
    assert paid.status_code == 201, paid.text
    assert paid.json() | {"recorded_at": None} == {
        "ticket_number": number, "amount": "210.00", "currency": "CNY",
        "method": "wechat_pay", "receipt_number": "WX2026-0001", "quote_version": 1,
        "recorded_by": f"staff:{tech.username}", "recorded_at": None}
    # The same receipt again, on this ticket or another: refused.
    for ticket in (number, other):
        again = await client.post(f"/api/v1/tickets/{ticket}/payments", headers=STAFF_HEADERS,
                                  json={"amount": "5", "method": "cash",
                                        "receipt_number": "WX2026-0001"})
        assert again.status_code == 409, again.text
    cash = await client.post(path, headers=STAFF_HEADERS, json={
        "amount": "0.5", "method": "cash", "receipt_number": "C-77"})
    assert cash.status_code == 201
    listed = (await client.get(path, headers=tech.headers)).json()
    assert [(p["receipt_number"], p["amount"]) for p in listed] == [("WX2026-0001", "210.00"),
                                                                    ("C-77", "0.50")]
    assert [p["receipt_number"] for p in (await quotes_of(client, number))["payments"]] == [
        "WX2026-0001", "C-77"]
    kinds = [e["kind"] for e in await events(client, number)]
    assert kinds == ["quote_sent", "payment_recorded", "payment_recorded"]
    for body in ({"amount": "0", "method": "cash", "receipt_number": "Z1"},
                 {"amount": "1.001", "method": "cash", "receipt_number": "Z1"},
                 {"amount": "1", "method": "bitcoin", "receipt_number": "Z1"},
                 {"amount": "1", "method": "cash", "receipt_number": "no/\x00"}):
        assert (await client.post(path, json=body, headers=STAFF_HEADERS)).status_code == 422
    assert (await client.post(f"/api/v1/tickets/{other}/payments", headers=tech.headers,
                              json={"amount": "1", "method": "card", "receipt_number": "Z2"})
            ).status_code == 404
    assert (await client.post(path, headers=role_headers["agent"], json={
        "amount": "1", "method": "card", "receipt_number": "Z3"})).status_code == 403
    taiwan = await client.post(f"/api/v1/tickets/{other}/payments", headers=STAFF_HEADERS,
                               json={"amount": "600", "method": "card", "currency": "TWD",
                                     "receipt_number": "TW-1"})
    assert (taiwan.json()["currency"], taiwan.json()["quote_version"]) == ("TWD", None)


@pytest.mark.postgres
async def test_one_receipt_recorded_twice_at_once_is_one_payment(client, repair, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent writers: PostgreSQL")
    first, second = await repair(), await repair()
    answers = await asyncio.gather(*(
        client.post(f"/api/v1/tickets/{number}/payments", headers=STAFF_HEADERS,
                    json={"amount": "30", "method": "alipay", "receipt_number": "ALI-1"})
        for number in (first, second)))
    assert sorted(a.status_code for a in answers) == [201, 409]


async def test_two_quotes_built_at_once_leave_one_standing(client, repair, quote) -> None:
    number = await repair()
    built = await asyncio.gather(*(quote(number, items=[{"code": code}])
                                   for code in ("RF-GAS", "RF-MINOR")))
    assert sorted(b["version"] for b in built) == [1, 2]
    statuses = [q["status"] for q in (await quotes_of(client, number))["versions"]]
    assert statuses == ["sent", "superseded"]


async def test_the_decline_note_is_ciphertext_and_erased_with_the_customer(
        app, client, settings, repair, quote, answer, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = ("13988887777", "文三路398号")
    number = await repair()
    await quote(number, items=[{"code": "RF-GAS"}])
    note = f"太贵了，打我电话 {secrets[0]}，我住{secrets[1]}"
    assert (await answer(number, "decline", 1, reason="other", note=note)).status_code == 200
    assert (await quotes_of(client, number))["current"]["decline_note"] == note
    await app.state.engine.dispose()  # SQLite: everything in the database file
    url = settings.database_url
    assert column_leaks(url, secrets) == {}
    assert file_leaks(database_files(url), secrets) == {}
    assert found(caplog.text, secrets) == []

    customer = (await client.get("/api/v1/customers/telegram/42/personal-data",
                                 headers=SERVICE_HEADERS))
    erased = await client.delete("/api/v1/customers/telegram/42/personal-data",
                                 headers=SERVICE_HEADERS)
    assert (customer.status_code, erased.status_code) == (200, 200)
    current = (await quotes_of(client, number))["current"]
    assert (current["status"], current["decline_reason"]) == ("declined", "other")
    assert current["decline_note"] is None and current["decided_by"] != "customer:telegram:42"
