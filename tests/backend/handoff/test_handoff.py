"""Live handoff: the queue, one taker, replies and hand-back reaching the chat through the
outbox in order, the transcript encrypted, callback tickets outside business hours; a waiting
customer's place (those ahead), the expected wait learnt from recent waits, and the pushes
telling a waiting customer their place when they write or when the line moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from backend.handoff import hours
from backend.handoff.models import Handoff
from backend.kernel.clock import local_now
from backend.kernel.config import Settings
from backend.kernel.database import utcnow
from backend.notifications.models import OutboxMessage
from tests.backend.conftest import (
    INTERNAL_SECRET,
    SERVICE_HEADERS,
    STAFF_HEADERS,
    make_settings,
)
from tests.support.auth import CallerAuth

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
    # The place is how many are ahead: the first in an empty line is next (0 ahead). Without
    # any recent wait, the configured 3 minutes a place.
    assert (first["state"], first["position"], first["expected_wait_minutes"]) == ("waiting", 0, 3)
    assert (second["position"], second["expected_wait_minutes"]) == (1, 6)
    again = await ask(client, "2")
    assert (again["ticket_number"], again["position"]) == (second["ticket_number"], 1)

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
    import httpx

    from backend.app import create_app

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


# ---- the waiting line: places, the expected wait, and telling the customer ----------------

async def entry_of(client, ticket_number: str) -> dict:
    queue = (await client.get("/api/v1/handoff/queue", headers=STAFF_HEADERS)).json()
    [entry] = [q for q in queue if q["ticket_number"] == ticket_number]
    return entry


async def pending_places(app) -> dict[str, list[tuple[int, str]]]:
    """The place pushes not delivered yet, by chat: [(position, cause)]."""
    async with app.state.sessionmaker() as session:
        rows = await session.execute(select(OutboxMessage).where(
            OutboxMessage.delivered_at.is_(None)).order_by(OutboxMessage.id))
        places: dict[str, list[tuple[int, str]]] = {}
        for row in rows.scalars():
            if row.payload["kind"] == "handoff_position":
                places.setdefault(row.payload["chat_id"], []).append(
                    (row.payload["position"], row.payload["cause"]))
        return places


async def deliver_all(app) -> None:
    """As if the dispatcher had delivered everything so far."""
    async with app.state.sessionmaker() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.delivered_at.is_(None))
                              .values(delivered_at=utcnow()))
        await session.commit()


async def say(client, chat_id: str, text: str) -> None:
    response = await client.post(f"{customer(chat_id)}/messages", headers=SERVICE_HEADERS,
                                 json={"text": text})
    assert response.status_code == 204, response.text


async def test_a_waiting_customer_who_writes_is_told_their_place_and_the_wait(app, client):
    first, second = await ask(client, "21"), await ask(client, "22")
    assert await pending_places(app) == {}  # joining the line moves nobody

    await say(client, "22", "还要等多久？")
    [push] = [p for p in await pushes(app) if p["kind"] == "handoff_position"]
    assert (push["chat_id"], push["ticket_number"], push["position"],
            push["expected_wait_minutes"], push["cause"]) == (
        "22", second["ticket_number"], 1, 6, "asked")
    # Writing again before that answer went out: one answer, the latest.
    await say(client, "22", "在吗")
    assert await pending_places(app) == {"22": [(1, "asked")]}

    # Once staff have the chat, what the customer writes is for them only.
    await client.post(f"/api/v1/handoff/{(await entry_of(client, first['ticket_number']))['id']}"
                      "/take", headers=STAFF_HEADERS)
    await deliver_all(app)
    await say(client, "21", "你好")
    assert await pending_places(app) == {}


async def test_those_behind_hear_their_new_place_when_someone_ahead_is_taken_or_leaves(
        app, client):
    a, b, c = await ask(client, "31"), await ask(client, "32"), await ask(client, "33")

    taken = await entry_of(client, a["ticket_number"])
    assert (await client.post(f"/api/v1/handoff/{taken['id']}/take",
                              headers=STAFF_HEADERS)).status_code == 200
    assert await pending_places(app) == {"32": [(0, "moved")], "33": [(1, "moved")]}
    await deliver_all(app)

    # The last in line leaving moves nobody.
    assert (await client.post(f"{customer('33')}/leave", headers=SERVICE_HEADERS)
            ).status_code == 204
    assert await pending_places(app) == {}
    d = await ask(client, "34")
    assert d["position"] == 1
    # The next one leaving moves the one behind; a newer place replaces one not yet told.
    await say(client, "34", "我还在排队吗")
    assert await pending_places(app) == {"34": [(1, "asked")]}
    assert (await client.post(f"{customer('32')}/leave", headers=SERVICE_HEADERS)
            ).status_code == 204
    assert await pending_places(app) == {"34": [(0, "moved")]}
    assert (await client.get(customer("34"), headers=SERVICE_HEADERS)).json()["position"] == 0
    # Handing a conversation back moves nobody (it was not in the line).
    await deliver_all(app)
    assert (await client.post(f"/api/v1/handoff/{taken['id']}/release",
                              headers=STAFF_HEADERS)).status_code == 200
    assert await pending_places(app) == {}

    # Taken before its last place went out: that place is dropped, "joined" is what it hears.
    await say(client, "34", "到我了吗")
    await client.post(f"/api/v1/handoff/{(await entry_of(client, d['ticket_number']))['id']}"
                      "/take", headers=STAFF_HEADERS)
    assert await pending_places(app) == {}
    assert [p["kind"] for p in await pushes(app) if p["chat_id"] == "34"][-1] == "handoff_taken"
    assert b and c


async def test_the_expected_wait_is_learnt_from_recent_waits(app, client):
    now = utcnow()

    async def waited(chat_id: str, requested_minutes_ago: int, taken_minutes_ago: int) -> None:
        number = (await ask(client, chat_id))["ticket_number"]
        entry = await entry_of(client, number)
        await client.post(f"/api/v1/handoff/{entry['id']}/take", headers=STAFF_HEADERS)
        async with app.state.sessionmaker() as session:
            await session.execute(update(Handoff).where(Handoff.id == entry["id"]).values(
                requested_at=now - timedelta(minutes=requested_minutes_ago),
                taken_at=now - timedelta(minutes=taken_minutes_ago)))
            await session.commit()

    # Nobody ahead, 10 minutes; one ahead when joining (the first was still waiting), 20
    # minutes: 30 minutes for 3 places, 10 a place.
    await waited("51", 30, 20)
    await waited("52", 25, 5)
    # Long ago, much longer: not recent, left out.
    await waited("53", 60 * 24 * 8 + 90, 60 * 24 * 8)
    first, second = await ask(client, "54"), await ask(client, "55")
    assert (first["position"], first["expected_wait_minutes"]) == (0, 10)
    assert (second["position"], second["expected_wait_minutes"]) == (1, 20)


async def test_concurrent_takes_leave_everyone_behind_with_their_true_place(app, client):
    numbers = [(await ask(client, f"6{i}"))["ticket_number"] for i in range(5)]
    entries = [await entry_of(client, number) for number in numbers[:3]]
    answers = await asyncio.gather(*[
        client.post(f"/api/v1/handoff/{entry['id']}/take", headers=STAFF_HEADERS)
        for entry in entries])
    assert [r.status_code for r in answers] == [200, 200, 200]
    places = await pending_places(app)
    assert places == {"63": [(0, "moved")], "64": [(1, "moved")]}
