"""Quotes, payments and the signed service record in a customer's export and erasure, on SQLite
and PostgreSQL: the export holds every quote version (lines, decision, the customer's words),
every payment and every record version (content decrypted, hash, signature); after the
erasure nothing personal of them is readable in any row, what the accounts and statistics
count stays, and every record, the erased customer's and another's, still verifies."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from backend.kernel import crypto
from backend.service_records.content import hash_of
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.service_records.conftest import (  # noqa: F401
    COMPRESSOR,
    DIAGNOSIS,
    EXPIRED,
    IN_WARRANTY,
    answer,
    complete,
    post,
    quote,
    record_of,
    repair,
    respond,
    stock_technician,
    technicians,
    verified,
)
from tests.privacy.leaks import column_leaks

OWN = "/api/v1/customers/telegram/42/personal-data"
WORK = {"items": [{"code": "RF-MAJOR"}], "parts": [{"part_number": COMPRESSOR}]}
# What customer 42's job holds that is theirs: their words on the decline, what the
# correction quotes of them, what the technician found at their place, their appliance's
# serial number (the quotes tests' product: SN-42-1, kept as SN421) and their chat.
DECLINE_WORDS = "太贵了，我住锦延路86弄，打13900001111"
CORRECTION = "客户说锦延路86弄家里的插座松了"
OWN_DIAGNOSIS = "冷凝器被猫毛堵住，风扇卡死"
SERIAL = "SN421"
SECRETS = ("锦延路", "13900001111", "插座松了", "猫毛", SERIAL, "customer:telegram:42")


@dataclass(frozen=True)
class Jobs:
    own: str  # customer 42's: quoted twice (declined, accepted), paid, signed, corrected
    other: str  # customer 43's: free, signed


@pytest.fixture
async def jobs(client, repair, quote, answer, complete, respond, technicians,
               stock_technician) -> Jobs:
    tech, other_tech = technicians
    for who in technicians:
        await stock_technician(who.username, COMPRESSOR, 1)
    own = await repair(days_ago=EXPIRED, assignee=tech.username)
    await quote(own, **WORK)
    declined = await answer(own, "decline", 1, reason="other", note=DECLINE_WORDS)
    assert declined.status_code == 200, declined.text
    await quote(own, **WORK)
    assert (await answer(own, "accept", 2)).status_code == 200
    paid = await client.post(f"/api/v1/tickets/{own}/payments", headers=STAFF_HEADERS, json={
        "amount": "1190.00", "method": "wechat_pay", "receipt_number": "WX-0001"})
    assert paid.status_code == 201, paid.text
    assert (await complete(own, headers=tech.headers,
                           diagnosis=OWN_DIAGNOSIS)).status_code == 200
    assert (await respond(own, "confirm", version=1)).status_code == 200
    corrected = await client.post(f"/api/v1/tickets/{own}/record/versions",
                                  headers=STAFF_HEADERS, json={"reason": CORRECTION})
    assert corrected.status_code == 201, corrected.text

    other = await repair(days_ago=IN_WARRANTY, chat="43", assignee=other_tech.username)
    assert (await complete(other, headers=other_tech.headers)).status_code == 200
    assert (await respond(other, "confirm", chat="43", version=1)).status_code == 200
    return Jobs(own, other)


async def rows(app, query: str, **params) -> list[tuple]:
    async with app.state.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(query), params)]


async def test_the_export_holds_quotes_payments_and_every_record_version(client, jobs) -> None:
    response = await client.get(OWN, headers=SERVICE_HEADERS)
    assert response.status_code == 200, response.text
    data = response.json()

    first, second = data["quotes"]
    assert [(q["ticket_number"], q["version"], q["status"]) for q in (first, second)] == [
        (jobs.own, 1, "superseded"), (jobs.own, 2, "accepted")]
    assert (first["decline_reason"], first["decline_note"], first["decided_by"]) == (
        "other", DECLINE_WORDS, "customer:telegram:42")
    assert [(line["kind"], line["code"], line["amount"]) for line in second["lines"]] == [
        ("visit", None, "30.00"), ("labour", "RF-MAJOR", "180.00"),
        ("part", COMPRESSOR, "980.00")]
    assert (second["currency"], second["total"]) == ("CNY", "1190.00")
    assert [(p["ticket_number"], p["amount"], p["method"], p["receipt_number"],
             p["quote_version"]) for p in data["payments"]] == [
        (jobs.own, "1190.00", "wechat_pay", "WX-0001", 2)]

    signed, correction = data["service_records"]
    assert [(r["ticket_number"], r["version"]) for r in (signed, correction)] == [
        (jobs.own, 1), (jobs.own, 2)]
    content = signed["content"]
    assert content["diagnosis"] == OWN_DIAGNOSIS
    assert content["product"]["serial"] == SERIAL
    assert content["signature"]["chat_actor"] == "customer:telegram:42"
    assert (signed["signed_channel"], signed["signed_at"] is not None) == ("telegram", True)
    # The content as exported is what was hashed: the customer can check the hash.
    assert hash_of(content) == signed["content_hash"]
    assert signed["content_hash"] == (await verified(client, jobs.own, 1))["stored_hash"]
    assert (correction["reason"], correction["signed_at"]) == (CORRECTION, None)
    assert correction["content"]["charge"]["receipt_number"] == "WX-0001"
    # Nothing of the other customer's ticket.
    assert jobs.other not in json.dumps(data)


async def test_the_erasure_leaves_nothing_personal_in_them_and_every_record_verifies(
        app, client, settings, jobs) -> None:
    other_before = await record_of(client, jobs.other)
    erased = await client.delete(OWN, headers=SERVICE_HEADERS)
    assert erased.status_code == 200, erased.text

    # The record's rows: the content without diagnosis, serial and chat, hashed again; no
    # correction reason; when, how and what was done stay.
    stored = await rows(app, "SELECT r.version, r.content, r.content_hash, r.reason, "
                             "r.fault_category, r.signed_channel, r.signed_at "
                             "FROM service_records r JOIN tickets t ON t.id = r.ticket_id "
                             "WHERE t.number = :n ORDER BY r.version", n=jobs.own)
    assert [row[0] for row in stored] == [1, 2]
    for version, ciphertext, content_hash, reason, fault, channel, signed_at in stored:
        content = json.loads(crypto.decrypt(ciphertext))
        assert content["diagnosis"] == "" and content["product"]["serial"] is None
        assert content_hash == hash_of(content) and reason is None
        assert (fault, content["fault_category"]["code"]) == ("RF-COMP", "RF-COMP")
        assert content["charge"]["total"] == 119000
        if version == 1:
            assert content["signature"]["chat_actor"] == "customer"
            assert (channel, signed_at is not None) == ("telegram", True)
        assert (await verified(client, jobs.own, version))["matches"]

    # The decision's words and chat were the events' (every note and chat actor cleared).
    assert await rows(app, "SELECT e.kind FROM ticket_events e JOIN tickets t "
                           "ON t.id = e.ticket_id WHERE t.number = :n AND "
                           "(e.note IS NOT NULL OR e.actor LIKE 'customer:%')", n=jobs.own) == []
    # Quotes and payments stay for the accounts, the decision without the customer's words.
    quotes = (await client.get(f"/api/v1/tickets/{jobs.own}/quotes",
                               headers=STAFF_HEADERS)).json()
    first = quotes["versions"][-1]
    assert (first["status"], first["decline_reason"], first["decline_note"],
            first["decided_by"]) == ("superseded", "other", None, "customer")
    assert [p["receipt_number"] for p in quotes["payments"]] == ["WX-0001"]
    assert (await client.get(f"/api/v1/tickets/{jobs.own}/record.pdf",
                             headers=STAFF_HEADERS)).status_code == 200

    # No row holds any of it: in clear in any column, nor in any encrypted one decrypted.
    assert column_leaks(settings.database_url, SECRETS) == {}
    for table, column in (("service_records", "content"), ("service_records", "reason"),
                          ("ticket_events", "note")):
        for (value,) in await rows(app, f"SELECT {column} FROM {table} "
                                        f"WHERE {column} IS NOT NULL"):
            plain = crypto.decrypt(value)
            assert [s for s in SECRETS if s in plain] == [], (table, column)

    # The other customer's record is untouched and verifies.
    assert await record_of(client, jobs.other) == other_before
    assert other_before["content"]["diagnosis"] == DIAGNOSIS
    assert other_before["content"]["signature"]["chat_actor"] == "customer:telegram:43"
    assert (await verified(client, jobs.other, 1))["matches"]
