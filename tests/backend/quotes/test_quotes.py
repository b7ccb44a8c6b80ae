"""Quotes through the API, on SQLite and PostgreSQL: built from the fee standard and the parts
catalogue, free lines saying why, versions superseding each other and sent again, the customer's
answer to the version their chat shows only, declines charged as the fee standard says, and
who may do what."""

from __future__ import annotations

from backend.kernel.pushes import QuoteSent, read
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.quotes.conftest import (
    EXPIRED,
    IN_WARRANTY,
    MAIN_PARTS_ONLY,
    bought,
    events,
    outbox,
    quotes_of,
)
from tests.backend.sla.conftest import detail

FRIDGE_REPAIR = {"items": [{"code": "rf-major"}], "parts": [{"part_number": "RF-CMP"}]}


def lines(quote: dict) -> list[tuple]:
    return [(line["kind"], line["code"], line["amount"], line["in_warranty"],
             line["warranty_reason"]) for line in quote["lines"]]


async def test_a_quote_is_priced_from_the_standard_and_catalogue_and_sent(
        app, client, repair, quote) -> None:
    number = await repair(days_ago=EXPIRED)

    built = await quote(number, **FRIDGE_REPAIR)

    assert lines(built) == [("visit", None, "30.00", False, None),
                            ("labour", "RF-MAJOR", "180.00", False, None),
                            ("part", "RF-CMP", "980.00", False, None)]
    assert (built["version"], built["status"], built["needs_acceptance"]) == (1, "sent", True)
    assert (built["currency"], built["total"], built["declined_charge"]) == (
        "CNY", "1190.00", "30.00")
    assert (built["region"], built["fee_standard_version"], built["built_by"]) == (
        "mainland", 1, "staff:api")
    assert built["lines"][0]["names"] == {"zh-Hans": "上门费", "zh-Hant": "上門費",
                                          "en": "Call-out fee"}
    assert built["lines"][1]["names"]["en"] == "Fridge major repair"
    # Into the ticket's record and the customer's chat, together.
    [event] = await events(client, number)
    assert event["kind"] == "quote_sent" and "CNY 1,190" in event["note"]
    [payload] = await outbox(app, "quote_sent")
    push = read(payload)
    assert isinstance(push, QuoteSent)
    assert (push.ticket_number, push.version, push.total, push.declined_charge) == (
        number, 1, 119000, 3000)
    assert push.replaces is None and push.needs_acceptance and push.chat_id == "42"
    assert [(line.code, line.amount) for line in push.lines] == [
        (None, 3000), ("RF-MAJOR", 18000), ("RF-CMP", 98000)]
    assert push.lines[2].names == {"zh-Hans": "冰箱压缩机", "zh-Hant": "雪櫃壓縮機",
                                   "en": "Fridge compressor"}


async def test_in_warranty_lines_are_free_and_say_why(app, client, repair, quote) -> None:
    covered = await repair(days_ago=IN_WARRANTY)
    built = await quote(covered, items=[{"code": "RF-MAJOR"}],
                        parts=[{"part_number": "RF-CMP"}, {"part_number": "RF-DOOR-SEAL"}])
    assert lines(built) == [
        ("visit", None, "0.00", True, "product_warranty"),
        ("labour", "RF-MAJOR", "0.00", True, "product_warranty"),
        ("part", "RF-CMP", "0.00", True, "product_warranty"),
        ("part", "RF-DOOR-SEAL", "85.00", False, None)]  # a wearing part: not covered
    whole_unit_until = (await detail(client, covered))["warranty"]["whole_unit_until"]
    assert {line["warranty_until"] for line in built["lines"][:3]} == {whole_unit_until}
    assert (built["total"], built["declined_charge"], built["status"]) == ("85.00", "0.00",
                                                                          "sent")

    # Only the compressor's cover left: the part is free, the visit and the labour are not.
    older = await repair(days_ago=MAIN_PARTS_ONLY)
    built = await quote(older, **FRIDGE_REPAIR)
    assert lines(built) == [("visit", None, "30.00", False, None),
                            ("labour", "RF-MAJOR", "180.00", False, None),
                            ("part", "RF-CMP", "0.00", True, "main_parts_warranty")]
    assert built["total"] == "210.00"


async def test_an_all_free_quote_needs_no_acceptance(app, client, repair, quote,
                                                     answer) -> None:
    number = await repair(days_ago=IN_WARRANTY)
    built = await quote(number, items=[{"code": "RF-MINOR"}])
    assert (built["total"], built["status"], built["needs_acceptance"]) == ("0.00", "accepted",
                                                                           False)
    assert built["decided_by"] == "system:no_charge" and built["decided_at"] is not None
    [payload] = await outbox(app, "quote_sent")
    assert payload["needs_acceptance"] is False and payload["total"] == 0
    refused = await answer(number, "accept", 1)
    assert refused.status_code == 409 and refused.json()["quote_status"] == "accepted"
    gate = (await quotes_of(client, number))["gate"]
    assert (gate["may_complete"], gate["state"], gate["charge"]["total"]) == (
        True, "no_charge", "0.00")


async def test_a_part_failing_again_within_its_parts_warranty_is_free(
        client, repair, quote, post, technicians, stock_technician) -> None:
    tech = technicians[0]
    product = (await client.post("/api/v1/customers/telegram/42/products",
                                 headers=SERVICE_HEADERS,
                                 json={"category": "冰箱", "purchase_date": bought(EXPIRED)})
               ).json()
    first = await repair(days_ago=None, product_id=product["id"], assignee=tech.username)
    await stock_technician(tech.username, "RF-DOOR-SEAL", 1)
    fitted = await post(f"/api/v1/tickets/{first}/parts", {"part_number": "RF-DOOR-SEAL"},
                        headers=tech.headers)
    again = await repair(days_ago=None, product_id=product["id"])

    built = await quote(again, parts=[{"part_number": "rf-door-seal"}], visit=False)

    [line] = built["lines"]
    assert (line["amount"], line["in_warranty"], line["warranty_reason"]) == (
        "0.00", True, "free_replacement")
    assert line["earlier_ticket"] == first
    assert line["warranty_until"] == fitted["used"][0]["warranty_until"]


async def test_a_changed_quote_supersedes_the_old_one_and_is_sent_again(
        app, client, repair, quote, answer) -> None:
    number = await repair()
    await quote(number, **FRIDGE_REPAIR)
    second = await quote(number, items=[{"code": "RF-GAS"}])
    assert (second["version"], second["total"]) == (2, "210.00")

    first = (await quotes_of(client, number))["versions"][-1]
    assert (first["version"], first["status"], first["ended_by"]) == (1, "superseded",
                                                                      "staff:api")
    pushes = await outbox(app, "quote_sent")
    assert [(p["version"], p.get("replaces")) for p in pushes] == [(1, None), (2, 1)]

    # The old version's button: refused, saying which one stands.
    stale = await answer(number, "accept", 1)
    assert stale.status_code == 409
    assert (stale.json()["quote_status"], stale.json()["current_version"]) == (
        "superseded", 2)
    assert "replaced by version 2" in stale.json()["detail"]
    stale = await answer(number, "decline", 1, reason="too_expensive")
    assert stale.status_code == 409

    accepted = await answer(number, "accept", 2)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"ticket_number": number, "version": 2, "status": "accepted",
                               "currency": "CNY", "total": "210.00", "charge": "210.00"}
    again = await answer(number, "accept", 2)
    assert again.status_code == 409 and again.json()["quote_status"] == "accepted"
    # More work found after the acceptance: a new version, to accept again.
    third = await quote(number, items=[{"code": "RF-GAS"}, {"code": "RF-MINOR"}])
    overview = await quotes_of(client, number)
    assert overview["current"]["version"] == third["version"] == 3
    assert [q["status"] for q in overview["versions"]] == ["sent", "superseded", "superseded"]
    assert overview["versions"][1]["decided_by"] == "customer:telegram:42"
    assert [e["kind"] for e in await events(client, number)] == [
        "quote_sent", "quote_sent", "quote_accepted", "quote_sent"]


async def test_a_decline_is_charged_as_the_fee_standard_says(client, repair, quote,
                                                             answer) -> None:
    number = await repair()
    await quote(number, **FRIDGE_REPAIR)
    declined = await answer(number, "decline", 1, reason="too_expensive",
                            note="  太贵了，我问问别家 ")
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["charge"]) == ("declined", "30.00")
    current = (await quotes_of(client, number))["current"]
    assert (current["decline_reason"], current["decline_note"], current["decided_by"]) == (
        "too_expensive", "太贵了，我问问别家", "customer:telegram:42")

    # The standard changed: declining costs nothing from now on.
    standard = (await client.get("/api/v1/fee-standards/mainland",
                                 headers=STAFF_HEADERS)).json()
    changed = await client.put("/api/v1/fee-standards/mainland", headers=STAFF_HEADERS, json={
        "visit_fee": standard["visit_fee"], "declined_quote_pays_visit": False,
        "reason": "免收拒修上门费", "items": [
            {key: item[key] for key in ("code", "category", "repair_type", "names", "price")}
            for item in standard["items"]]})
    assert changed.status_code == 200, changed.text
    later = await repair()
    built = await quote(later, **FRIDGE_REPAIR)
    assert (built["fee_standard_version"], built["declined_charge"]) == (2, "0.00")
    declined = await answer(later, "decline", 1, reason="buy_new")
    assert declined.json()["charge"] == "0.00"
    # A quote keeps the version that priced it.
    assert (await quotes_of(client, number))["current"]["fee_standard_version"] == 1


async def test_only_the_customer_of_the_chat_answers(client, repair, quote, answer,
                                                     change_status) -> None:
    number = await repair()
    await quote(number, **FRIDGE_REPAIR)
    assert (await answer(number, "accept", 1, chat="43")).status_code == 404
    assert (await answer("RS-20200101-0001", "accept", 1)).status_code == 404
    missing = await answer(number, "accept", 7)
    assert missing.status_code == 409 and missing.json()["quote_status"] == "missing"
    bad = await answer(number, "decline", 1, reason="because")
    assert bad.status_code == 422
    assert (await change_status(number, "cancelled")).status_code == 200
    closed = await answer(number, "accept", 1)
    assert closed.status_code == 409 and "cancelled" in closed.json()["detail"]


async def test_withdrawn_no_quote_stands(client, repair, quote, answer) -> None:
    number = await repair()
    await quote(number, **FRIDGE_REPAIR)
    path = f"/api/v1/tickets/{number}/quotes/withdraw"
    wrong = await client.post(path, json={"version": 2, "reason": "typo"},
                              headers=STAFF_HEADERS)
    assert wrong.status_code == 409
    taken = await client.post(path, json={"version": 1, "reason": "报错了配件"},
                              headers=STAFF_HEADERS)
    assert taken.status_code == 200 and taken.json()["status"] == "withdrawn"
    refused = await answer(number, "accept", 1)
    assert (refused.status_code, refused.json()["quote_status"]) == (409, "withdrawn")
    overview = await quotes_of(client, number)
    assert overview["current"] is None and overview["gate"]["state"] == "no_charge"
    assert (await quote(number, items=[{"code": "RF-GAS"}]))["version"] == 2


async def test_who_may_quote_which_ticket(client, repair, quote, role_headers,
                                          technicians) -> None:
    a, b = technicians
    mine = await repair(assignee=a.username)
    theirs = await repair(assignee=b.username)
    assert (await quote(mine, headers=a.headers, items=[{"code": "RF-GAS"}]))["built_by"] == \
        f"staff:{a.username}"
    await quote(theirs, headers=a.headers, expect=404, items=[{"code": "RF-GAS"}])
    assert (await client.get(f"/api/v1/tickets/{theirs}/quotes",
                             headers=a.headers)).status_code == 404
    await quote(theirs, headers=role_headers["agent"], expect=403, items=[{"code": "RF-GAS"}])
    for role in ("dispatcher", "supervisor", "admin"):
        await quote(theirs, headers=role_headers[role], items=[{"code": "RF-GAS"}])
    assert (await client.get(f"/api/v1/tickets/{mine}/quotes")).status_code == 401


async def test_what_cannot_be_quoted_is_refused_and_writes_nothing(
        client, create, repair, quote, change_status) -> None:
    number = await repair()
    for body, words in (({"items": [{"code": "RF-NOPE"}]}, "no labour item RF-NOPE"),
                        ({"items": [{"code": "AC-GAS"}]}, "for 空调"),
                        ({"parts": [{"part_number": "WM-MOTOR"}]}, "fits 洗衣机"),
                        ({"parts": [{"part_number": "XX-NONE"}]}, "no such part")):
        refused = await quote(number, expect=422, **body)
        assert words in refused["detail"]
    await quote(number, expect=422, visit=False)  # nothing to quote
    huge = await quote(number, expect=422, items=[
        {"code": "RF-MAJOR", "quantity": 10_000}, {"code": "RF-GAS", "quantity": 10_000}],
        parts=[{"part_number": "RF-CMP", "quantity": 10_000}] * 2)
    assert "that large" in huge["detail"]
    await quote(number, expect=422, items=[{"code": "RF-GAS", "quantity": 0}])
    inquiry = (await create(key="inq", type="inquiry")).json()["number"]
    await quote(inquiry, expect=422, items=[{"code": "RF-GAS"}])
    assert await events(client, number) == []
    assert (await change_status(number, "cancelled")).status_code == 200
    await quote(number, expect=409, items=[{"code": "RF-GAS"}])


async def test_the_product_s_region_prices_it_in_its_currency(client, create, quote) -> None:
    product = (await client.post("/api/v1/customers/telegram/42/products",
                                 headers=SERVICE_HEADERS,
                                 json={"category": "雪櫃", "region": "hong_kong",
                                       "purchase_date": bought(EXPIRED)})).json()
    number = (await create(key="hk", product_id=product["id"])).json()["number"]
    built = await quote(number, **FRIDGE_REPAIR)
    assert (built["region"], built["currency"]) == ("hong_kong", "HKD")
    assert lines(built) == [("visit", None, "250.00", False, None),
                            ("labour", "RF-MAJOR", "650.00", False, None),
                            ("part", "RF-CMP", "1100.00", False, None)]
    assert built["total"] == "2000.00"
    taiwan = await quote(number, region="taiwan", visit=True)
    assert (taiwan["currency"], taiwan["total"]) == ("TWD", "600.00")
    assert taiwan["lines"][0]["names"]["zh-Hant"] == "到府費"


async def test_the_warranty_covers_repairs_not_moving_the_appliance(client, create,
                                                                    quote) -> None:
    product = (await client.post("/api/v1/customers/telegram/42/products",
                                 headers=SERVICE_HEADERS,
                                 json={"category": "空调", "purchase_date": bought(IN_WARRANTY)})
               ).json()
    number = (await create(key="ac", product="空调", product_id=product["id"])).json()["number"]
    built = await quote(number, items=[{"code": "AC-GAS"}, {"code": "AC-MOVE"}])
    assert lines(built) == [("visit", None, "0.00", True, "product_warranty"),
                            ("labour", "AC-GAS", "0.00", True, "product_warranty"),
                            ("labour", "AC-MOVE", "250.00", False, None)]
    installation = (await create(key="ac-inst", type="installation", product="空调",
                                 product_id=product["id"])).json()["number"]
    built = await quote(installation, items=[{"code": "AC-INST"}])
    assert lines(built) == [("visit", None, "30.00", False, None),
                            ("labour", "AC-INST", "150.00", False, None)]
