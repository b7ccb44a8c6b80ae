"""Live handoff: the queue, one taker, replies and hand-back reaching the chat through the
outbox in order, the transcript encrypted, callback tickets outside business hours."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from backend.clock import local_now
from backend.config import Settings
from backend.handoff import hours
from backend.notifications.models import OutboxMessage
from tests.backend.conftest import INTERNAL_SECRET
from tests.support.auth import CallerAuth
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS, make_settings

ALWAYS_OPEN = "00:00-24:00"


def closed_today() -> str:
    """Business days that leave out today (in the service's timezone): staff are not there."""
    today = local_now("Asia/Shanghai").isoweekday()
    return str(today % 7 + 1)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, business_hours=ALWAYS_OPEN)


def customer(chat_id: str) -> str:
    return f"/api/v1/customers/telegram/{chat_id}/handoff"


async def ask(client, chat_id: str, text: str = "我要找人工") -> dict:
    response = await client.post(customer(chat_id), headers=SERVICE_HEADERS,
                                 json={"language": "zh-Hans", "text": text})
    assert response.status_code == 200, response.text
    return response.json()


async def pushes(app) -> list[dict]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
        return [row.payload for row in rows.scalars()]


async def test_customers_queue_in_order_and_asking_again_keeps_the_place(client):
    first, second = await ask(client, "1"), await ask(client, "2")
    assert (first["state"], first["position"], first["expected_wait_minutes"]) == ("waiting", 1, 3)
    assert (second["position"], second["expected_wait_minutes"]) == (2, 6)
    assert (await ask(client, "2"))["ticket_number"] == second["ticket_number"]

    queue = (await client.get("/api/v1/handoff/queue", headers=STAFF_HEADERS)).json()
    assert [q["ticket_number"] for q in queue] == [first["ticket_number"],
                                                   second["ticket_number"]]


async def test_only_one_of_two_staff_takes_a_conversation(client):
    await ask(client, "3")
    [entry] = (await client.get("/api/v1/handoff/queue", headers=STAFF_HEADERS)).json()
    answers = await asyncio.gather(*[
        client.post(f"/api/v1/handoff/{entry['id']}/take", headers=STAFF_HEADERS)
        for _ in range(4)])
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409]


async def test_take_reply_release_reach_the_chat_in_order(app, client):
    await ask(client, "4", text="冰箱一直响")
    [entry] = (await client.get("/api/v1/handoff/queue", headers=STAFF_HEADERS)).json()
    handoff = f"/api/v1/handoff/{entry['id']}"
    assert (await client.post(f"{handoff}/take", headers=STAFF_HEADERS)).status_code == 200
    assert (await client.post(f"{handoff}/reply", headers=STAFF_HEADERS,
                              json={"text": "您好，我是客服小王"})).status_code == 201
    await client.post(f"{customer('4')}/messages", headers=SERVICE_HEADERS,
                      json={"text": "你好，冰箱一直嗡嗡响"})
    assert (await client.post(f"{handoff}/release", headers=STAFF_HEADERS)).status_code == 200

    sent = [(p["kind"], p.get("text")) for p in await pushes(app) if p.get("chat_id") == "4"]
    assert sent == [("handoff_taken", None), ("staff_message", "您好，我是客服小王"),
                    ("handoff_ended", None)]
    detail = (await client.get(handoff, headers=STAFF_HEADERS)).json()
    assert [(m["sender"], m["text"]) for m in detail["messages"]] == [
        ("customer", "冰箱一直响"), ("staff:api", "您好，我是客服小王"),
        ("customer", "你好，冰箱一直嗡嗡响")]
    assert (await client.get(customer("4"), headers=SERVICE_HEADERS)).json() is None


async def test_the_transcript_is_encrypted_at_rest(app, client):
    await ask(client, "5", text="我的电话是13912345678")
    async with app.state.sessionmaker() as session:
        stored = (await session.execute(text("SELECT text FROM handoff_messages"))).scalar_one()
    assert "13912345678" not in stored


async def test_replying_to_a_conversation_nobody_took_is_refused(client):
    await ask(client, "6")
    [entry] = (await client.get("/api/v1/handoff/queue", headers=STAFF_HEADERS)).json()
    response = await client.post(f"/api/v1/handoff/{entry['id']}/reply", headers=STAFF_HEADERS,
                                 json={"text": "hello"})
    assert response.status_code == 409


async def test_the_customer_can_leave_the_queue(client):
    await ask(client, "7")
    assert (await client.post(f"{customer('7')}/leave", headers=SERVICE_HEADERS)).status_code == 204
    assert (await client.get("/api/v1/handoff/queue", headers=STAFF_HEADERS)).json() == []


async def test_the_bot_cannot_use_staff_routes_nor_staff_the_bots(client):
    assert (await client.get("/api/v1/handoff/queue", headers=SERVICE_HEADERS)).status_code == 401
    assert (await client.post(customer("8"), headers=STAFF_HEADERS,
                              json={"language": "en"})).status_code == 401


async def test_outside_business_hours_a_callback_ticket_says_when_staff_are_back(database_url):
    from backend.app import create_app
    import httpx

    app = create_app(make_settings(database_url, business_hours="08:00-20:00",
                                   business_days=closed_today()))
    async with app.router.lifespan_context(app), httpx.AsyncClient(auth=CallerAuth(INTERNAL_SECRET), 
            transport=httpx.ASGITransport(app), base_url="http://t") as client:
        answer = await ask(client, "9")
        assert answer["state"] == "callback" and answer["back_at"]
        detail = (await client.get(f"/api/v1/tickets/{answer['ticket_number']}",
                                   headers=STAFF_HEADERS)).json()
        assert detail["type"] == "inquiry" and detail["details"]["contact"] == "callback"
        assert (await client.get("/api/v1/handoff/queue", headers=STAFF_HEADERS)).json() == []


def test_business_hours_in_the_service_timezone():
    settings = Settings(business_hours="08:00-20:00", business_days="1-5",
                        ticket_timezone="Asia/Shanghai")
    tuesday_9am_shanghai = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    saturday_9am_shanghai = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    tuesday_9pm_shanghai = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    assert hours.is_open(settings, tuesday_9am_shanghai)
    assert not hours.is_open(settings, saturday_9am_shanghai)
    assert not hours.is_open(settings, tuesday_9pm_shanghai)
    back = hours.next_opening(settings, saturday_9am_shanghai)
    assert (back.isoweekday(), back.hour) == (1, 8)  # Monday 08:00
