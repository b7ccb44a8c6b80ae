"""Completion (完工): the technician records the job with the checklist, the fault category of
the appliance and the work agreed; the parts fitted leave their stock in the same transaction;
the service record's first version is written, hashed, and sent to the customer."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

from sqlalchemy import select, text

from backend.parts.models import StockMovement
from backend.service_records.models import ServiceRecord
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.quotes.conftest import EXPIRED, IN_WARRANTY, today
from tests.backend.service_records.conftest import (
    CHECKLIST,
    COMPRESSOR,
    DIAGNOSIS,
    detail,
    events_of,
    outbox,
    record_of,
)


async def stock_of(client, technician: str) -> dict[str, int]:
    rows = (await client.get(f"/api/v1/stock?technician={technician}",
                             headers=STAFF_HEADERS)).json()["items"]
    return {row["part_number"]: row["quantity"] for row in rows}


async def test_the_record_holds_the_job_and_its_hash(app, client, clock, done,
                                                     technicians) -> None:
    tech = technicians[0]
    ticket = await detail(client, done)
    assert ticket["status"] == "in_progress" and ticket["awaiting_acceptance_since"]
    record = await record_of(client, done)
    content = record["content"]
    assert (record["version"], record["current_version"], record["signed_at"]) == (1, 1, None)
    assert content["ticket_number"] == done and content["ticket_type"] == "repair"
    assert content["product"]["category"] == "冰箱"
    assert content["product"]["serial"].startswith("SN42")  # as registered (normalised)
    assert content["technician"] == {"name": tech.username, "staff_number": None}
    assert content["diagnosis"] == DIAGNOSIS
    assert content["fault_category"] == {
        "code": "RF-COMP", "names": {"zh-Hans": "压缩机故障", "zh-Hant": "壓縮機故障",
                                     "en": "Compressor fault"}}
    # In warranty: the labour and the compressor are free, and say why.
    [work] = content["work_items"]
    assert (work["code"], work["amount"], work["in_warranty"], work["warranty_reason"]) == (
        "RF-MAJOR", 0, True, "product_warranty")
    assert work["names"]["zh-Hans"] == "冰箱大修"
    [part] = content["parts"]
    fitted_on = date.fromisoformat(content["completed_at"][:10])
    assert (part["part_number"], part["quantity"], part["amount"], part["in_warranty"]) == (
        COMPRESSOR, 1, 0, True)
    assert part["names"]["en"] == "Fridge compressor"
    assert date.fromisoformat(part["warranty_until"]) - fitted_on in (
        timedelta(days=365), timedelta(days=364))  # the compressor's own year (local date)
    assert content["checklist"] == CHECKLIST
    assert content["charge"] == {"currency": "CNY", "total": 0, "paid": 0,
                                 "payment_method": None, "receipt_number": None}
    assert date.fromisoformat(content["warranty"]["product_until"]) > today()
    assert content["warranty"]["parts_until"] == part["warranty_until"]
    assert content["signature"] is None
    # The hash is the sha256 of the canonical JSON of exactly this content.
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert record["content_hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert datetime.fromisoformat(content["completed_at"]) == datetime.fromisoformat(
        ticket["awaiting_acceptance_since"])

    kinds = [e["kind"] for e in ticket["events"]]
    assert kinds[-3:] == ["part_used", "record_written", "acceptance_requested"]
    [written] = await events_of(client, done, "record_written")
    assert written["note"] == f"v1 sha256:{record['content_hash']}"
    [asked] = await events_of(client, done, "acceptance_requested")
    assert (asked["actor"], asked["note"]) == (f"staff:{tech.username}", "客户在场")


async def test_the_customer_is_sent_the_record_without_the_diagnosis(app, done) -> None:
    [push] = await outbox(app, "service_record")
    assert (push["ticket_number"], push["version"], push["corrected"]) == (done, 1, False)
    assert (push["channel"], push["chat_id"], push["language"]) == ("telegram", "42", "zh-Hans")
    assert push["technician"] == {"name": "tech-a", "staff_number": None}
    assert push["fault"]["zh-Hant"] == "壓縮機故障"
    assert [(w["code"], w["amount"], w["in_warranty"]) for w in push["work_items"]] == [
        ("RF-MAJOR", 0, True)]
    assert [(p["code"], p["quantity"]) for p in push["parts"]] == [(COMPRESSOR, 1)]
    assert (push["currency"], push["total"], push["paid"]) == ("CNY", 0, 0)
    assert DIAGNOSIS not in json.dumps(push, ensure_ascii=False)
    assert "SN42" not in json.dumps(push, ensure_ascii=False)
    assert await outbox(app, "acceptance_request") == []


async def test_the_parts_leave_the_technicians_stock_with_the_completion(
        client, repair, technicians, stock_technician, complete) -> None:
    tech = technicians[0]
    await stock_technician(tech.username, COMPRESSOR, 1)
    number = await repair(days_ago=IN_WARRANTY, assignee=tech.username)

    # Two compressors asked, one held: nothing is written, the stock stays.
    short = await complete(number, headers=tech.headers,
                           parts=[{"part_number": COMPRESSOR, "quantity": 2}])
    assert short.status_code == 409 and "not enough" in short.json()["detail"]
    assert await stock_of(client, tech.username) == {COMPRESSOR: 1}
    ticket = await detail(client, number)
    assert ticket["status"] == "assigned" and ticket["awaiting_acceptance_since"] is None
    assert not [e for e in ticket["events"] if e["kind"] in ("part_used", "record_written")]
    assert (await client.get(f"/api/v1/tickets/{number}/record",
                             headers=STAFF_HEADERS)).status_code == 404

    assert (await complete(number, headers=tech.headers)).status_code == 200
    assert await stock_of(client, tech.username) == {COMPRESSOR: 0}
    [used] = await events_of(client, number, "part_used")
    assert used["note"].startswith(f"{COMPRESSOR} 冰箱压缩机 ×1 ({tech.username})")


async def test_refused_unless_the_checklist_is_done(client, repair, technicians,
                                                   complete) -> None:
    tech = technicians[0]
    number = await repair(days_ago=IN_WARRANTY, assignee=tech.username)
    for item in CHECKLIST:
        response = await complete(number, headers=tech.headers, parts=[],
                                  checklist={**CHECKLIST, item: False})
        assert response.status_code == 422, item
        assert response.json()["detail"] == f"the checklist is not done: {item}"
    missing = await complete(number, headers=tech.headers, parts=[],
                             checklist={"test_run": True, "usage_explained": True})
    assert missing.status_code == 422
    # Not a yes: "yes" is no checklist answer.
    assert (await complete(number, headers=tech.headers, parts=[],
                           checklist={**CHECKLIST, "site_cleaned": "yes"})).status_code == 422
    assert (await detail(client, number))["status"] == "assigned"


async def test_the_fault_category_is_one_of_the_appliances(client, repair, technicians,
                                                           complete) -> None:
    tech = technicians[0]
    number = await repair(days_ago=IN_WARRANTY, assignee=tech.username)
    response = await complete(number, headers=tech.headers, parts=[],
                              fault_category="AC-LEAK")  # an air conditioner's
    assert response.status_code == 422
    assert "AC-LEAK is not one of 冰箱" in response.json()["detail"]
    assert "RF-COMP" in response.json()["detail"]
    assert (await complete(number, headers=tech.headers, parts=[],
                           fault_category="INSTALLED")).status_code == 422  # a repair
    common = await complete(number, headers=tech.headers, parts=[], work_items=[],
                            fault_category="nff")
    assert common.status_code == 200, common.text
    record = await record_of(client, number)
    assert record["content"]["fault_category"]["code"] == "NFF"

    listed = (await client.get("/api/v1/service-records/faults?category=雪櫃",
                               headers=tech.headers)).json()
    assert listed["category"] == "冰箱"
    codes = [f["code"] for f in listed["faults"]]
    assert codes[0] == "RF-LEAK" and codes[-4:] == ["INSTALL", "MISUSE", "NFF", "OTHER"]
    install = (await client.get("/api/v1/service-records/faults?category=空调&ticket_type="
                                "installation", headers=tech.headers)).json()
    assert install["faults"][0]["names"]["en"] == "New installation (no fault)"


async def test_out_of_warranty_work_waits_for_the_accepted_quote(
        app, client, repair, technicians, stock_technician, quote, answer, complete) -> None:
    tech = technicians[0]
    await stock_technician(tech.username, COMPRESSOR, 1)
    number = await repair(days_ago=EXPIRED, assignee=tech.username)

    unquoted = await complete(number, headers=tech.headers)
    assert unquoted.status_code == 409
    assert "needs the customer's accepted quote" in unquoted.json()["detail"]
    await quote(number, items=[{"code": "RF-MAJOR"}], parts=[{"part_number": COMPRESSOR}])
    waiting = await complete(number, headers=tech.headers)
    assert waiting.status_code == 409
    assert "has not answered quote version 1" in waiting.json()["detail"]
    assert await stock_of(client, tech.username) == {COMPRESSOR: 1}

    assert (await answer(number, "accept", 1)).status_code == 200
    assert (await complete(number, headers=tech.headers)).status_code == 200
    content = (await record_of(client, number))["content"]
    assert content["charge"]["total"] == 119000  # visit 30 + labour 180 + compressor 980
    assert [(w["code"], w["amount"], w["in_warranty"]) for w in content["work_items"]] == [
        ("RF-MAJOR", 18000, False)]
    assert [(p["part_number"], p["amount"]) for p in content["parts"]] == [(COMPRESSOR, 98000)]


async def test_a_declined_quote_is_recorded_with_its_visit_fee(
        client, repair, technicians, quote, answer, complete) -> None:
    tech = technicians[0]
    number = await repair(days_ago=EXPIRED, assignee=tech.username)
    await quote(number, items=[{"code": "RF-MAJOR"}])
    await answer(number, "decline", 1, reason="buy_new")
    refused = await complete(number, headers=tech.headers, parts=[])  # the declined work
    assert refused.status_code == 409
    response = await complete(number, headers=tech.headers, parts=[], work_items=[],
                              fault_category="RF-COMP")
    assert response.status_code == 200, response.text
    charge = (await record_of(client, number))["content"]["charge"]
    assert (charge["currency"], charge["total"]) == ("CNY", 3000)


async def test_who_may_complete_and_when(client, done, repair, technicians, role_headers,
                                         complete) -> None:
    tech, other = technicians
    number = await repair(days_ago=IN_WARRANTY, assignee=tech.username)
    assert (await complete(number, headers=other.headers, parts=[])).status_code == 404
    for role, code in (("agent", 403), ("dispatcher", 403)):
        assert (await complete(number, headers=role_headers[role],
                               parts=[])).status_code == code
    # Done already and awaiting the customer: correct the record instead.
    again = await complete(done, headers=tech.headers, parts=[])
    assert again.status_code == 409 and "awaits the customer's confirmation" in again.text
    complaint = await repair(days_ago=None, type="complaint")
    refused = await complete(complaint, parts=[])
    assert refused.status_code == 422 and "repairs and installations" in refused.text
    assert (await complete("RS-20000101-0001", parts=[])).status_code == 404


async def test_the_content_is_ciphertext_at_rest(app, done) -> None:
    async with app.state.sessionmaker() as session:
        raw = (await session.execute(text("SELECT content, fault_category FROM "
                                          "service_records"))).one()
        row = (await session.execute(select(ServiceRecord))).scalar_one()
        uses = (await session.execute(select(StockMovement).where(
            StockMovement.kind == "use"))).scalars().all()
    assert DIAGNOSIS not in raw[0] and "压缩机" not in raw[0]
    assert raw[1] == "RF-COMP" and row.content["diagnosis"] == DIAGNOSIS
    assert [u.ticket_id for u in uses] == [row.ticket_id]
