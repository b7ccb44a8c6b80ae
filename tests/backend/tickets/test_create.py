"""Creating a ticket: validation, defaults, the service record, idempotency (also under
concurrency), the customer found or created by chat."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlalchemy import func, select

from backend.customers.models import ChatIdentity, Customer
from backend.tickets.models import Ticket, TicketEvent
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.factories import ticket_body

NUMBER = re.compile(r"^RS-\d{8}-\d{4}$")


async def count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_create_returns_the_ticket_in_customer_view(create) -> None:
    response = await create(key="k-1")

    assert response.status_code == 201, response.text
    ticket = response.json()
    assert NUMBER.match(ticket["number"])
    assert ticket["status"] == "new"
    assert ticket["type"] == "repair"
    assert ticket["priority"] == "normal"
    assert ticket["phone_masked"] == "138****5678"
    assert "phone" not in ticket and "address" not in ticket
    assert "Idempotent-Replayed" not in response.headers


async def test_create_writes_customer_identity_and_created_event(app, create, client) -> None:
    number = (await create(key="k-1")).json()["number"]

    detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    assert detail["customer"]["display_name"] == "李雷"
    assert detail["channel"] == "telegram" and detail["chat_id"] == "42"
    assert [(e["kind"], e["to_status"], e["actor"]) for e in detail["events"]] == [
        ("created", "new", "customer:telegram:42")]
    assert await count(app, Customer) == 1
    assert await count(app, ChatIdentity) == 1


async def test_same_key_replays_the_same_ticket(app, create) -> None:
    first = await create(key="k-1")
    again = await create(key="k-1")

    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert await count(app, Ticket) == 1
    assert await count(app, TicketEvent) == 1


async def test_same_key_with_a_different_body_is_a_conflict(app, create) -> None:
    await create(key="k-1")
    response = await create(key="k-1", description="另一个问题")

    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["detail"]
    assert await count(app, Ticket) == 1


async def test_concurrent_duplicates_make_one_ticket(app, create) -> None:
    responses = await asyncio.gather(*(create(key="k-race") for _ in range(5)))

    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.json()["number"] for r in responses}) == 1
    assert await count(app, Ticket) == 1
    assert await count(app, TicketEvent) == 1


async def test_concurrent_first_tickets_of_a_new_customer_make_one_customer(app, create) -> None:
    responses = await asyncio.gather(*(create(key=f"k-{i}", customer_overrides={
        "chat_id": "new-customer"}) for i in range(5)))

    assert [r.status_code for r in responses] == [201] * 5
    assert len({r.json()["number"] for r in responses}) == 5
    assert await count(app, Customer) == 1
    assert await count(app, ChatIdentity) == 1


async def test_idempotency_key_is_required(create) -> None:
    response = await create(key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]


async def test_complaint_defaults_to_high_priority(create) -> None:
    complaint = (await create(key="k-1", type="complaint", phone=None, address=None)).json()
    inquiry = (await create(key="k-2", type="inquiry", phone=None, address=None)).json()
    urgent = (await create(key="k-3", type="complaint", priority="urgent")).json()

    assert complaint["number"].startswith("CP-") and complaint["priority"] == "high"
    assert inquiry["number"].startswith("IQ-") and inquiry["priority"] == "normal"
    assert urgent["priority"] == "urgent"


async def test_customer_language_follows_the_latest_ticket(app, create, client) -> None:
    await create(key="k-1")
    second = await create(key="k-2", customer_overrides={"language": "en"})

    assert second.json()["language"] == "en"
    async with app.state.sessionmaker() as session:
        customer = (await session.execute(select(Customer))).scalar_one()
    assert customer.language == "en"


async def test_phone_separators_are_removed(create, client) -> None:
    number = (await create(key="k-1", phone="+86 138-1234-5678")).json()["number"]
    detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    assert detail["phone"] == "+8613812345678"


def _errors(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {".".join(map(str, e["loc"][1:])): e["msg"] for e in response.json()["detail"]}


async def test_validation_names_the_field_and_never_echoes_the_input(create) -> None:
    errors = _errors(await create(phone="call me 1381234", address="x" * 501,
                                  description="d" * 2001, type="teleport"))

    assert set(errors) == {"phone", "address", "description", "type"}
    assert "digits with an optional leading +" in errors["phone"]
    body = (await create(phone="call me 1381234")).text
    assert "call me" not in body


async def test_phone_length_limits(create) -> None:
    assert (await create(key="a", phone="1234")).status_code == 422
    assert (await create(key="b", phone="1" * 21)).status_code == 422
    assert (await create(key="c", phone="12345")).status_code == 201
    assert (await create(key="d", phone="+" + "1" * 19)).status_code == 201
    assert (await create(key="e", phone="++123456")).status_code == 422


async def test_on_site_tickets_need_phone_and_address(create) -> None:
    errors = _errors(await create(type="installation", phone=None, address="   "))
    assert "needs phone and address" in "".join(errors.values())


async def test_bad_customer_is_refused(create) -> None:
    assert (await create(customer_overrides={"channel": "fax"})).status_code == 422
    assert (await create(customer_overrides={"chat_id": ""})).status_code == 422
    assert (await create(customer_overrides={"language": "fr"})).status_code == 422


async def test_strange_text_does_not_crash(create) -> None:
    for i, text in enumerate(["\x00\x01", "😀" * 500, "'; DROP TABLE tickets; --", "\u202e反转",
                              "<script>alert(1)</script>"]):
        response = await create(key=f"k-{i}", description=text, product=text[:100])
        assert response.status_code in (201, 422), response.text


async def test_malformed_json_is_a_422(client) -> None:
    response = await client.post("/api/v1/tickets", content=b"{not json",
                                 headers={**SERVICE_HEADERS, "Idempotency-Key": "k",
                                          "Content-Type": "application/json"})
    assert response.status_code == 422


async def test_bot_shaped_request_without_optional_fields(client) -> None:
    """What the bot sends today: no display_name, priority, preferred_time."""
    body = ticket_body()
    body["customer"].pop("display_name")
    for key in ("priority", "preferred_time", "error_code"):
        body.pop(key)
    response = await client.post("/api/v1/tickets", json=body,
                                 headers={**SERVICE_HEADERS, "Idempotency-Key": "bot:1"})
    assert response.status_code == 201, response.text


async def test_details_and_attachments_are_kept_for_staff(create, client) -> None:
    response = await create(key="k-details", type="installation", description="",
                            details={"delivered": "yes"},
                            attachments=[{"kind": "photo", "file_id": "AgAD-1",
                                          "channel": "telegram"}])
    assert response.status_code == 201, response.text
    number = response.json()["number"]

    detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    assert detail["details"] == {"delivered": "yes"}
    assert detail["attachments"] == [{"kind": "photo", "file_id": "AgAD-1",
                                      "channel": "telegram"}]
    assert detail["description"] == ""


async def test_only_an_installation_may_come_without_a_description(create) -> None:
    response = await create(key="k-nodesc", type="repair", description="")
    assert response.status_code == 422
    assert "description" in response.text


async def test_too_many_or_too_long_details_are_refused(create) -> None:
    assert (await create(key="k-d1", details={"k": "x" * 501})).status_code == 422
    assert (await create(key="k-d2", details={f"k{i}": "v" for i in range(21)})).status_code == 422
    assert (await create(key="k-d3", attachments=[{"kind": "virus", "file_id": "x",
                                                   "channel": "telegram"}])).status_code == 422


async def test_a_complaint_about_a_ticket_takes_that_tickets_product(create) -> None:
    repair = (await create(key="k-1", product="洗衣机")).json()
    others = (await create(key="k-2", product="空调",
                           customer_overrides={"chat_id": "someone-else"})).json()

    about = (await create(key="k-3", type="complaint", product=None,
                          details={"related_ticket": repair["number"]})).json()
    not_theirs = (await create(key="k-4", type="complaint", product=None,
                               details={"related_ticket": others["number"]})).json()
    named = (await create(key="k-5", type="complaint", product="冰箱",
                          details={"related_ticket": repair["number"]})).json()

    assert about["product"] == "洗衣机"
    assert not_theirs["product"] is None  # another customer's ticket says nothing here
    assert named["product"] == "冰箱"  # what the customer said stands
