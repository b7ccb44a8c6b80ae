"""The outbox dispatcher against a real HTTP receiver on loopback: signed, at least once, in
order per ticket, retried with backoff, never twice at once from two dispatchers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from backend.app import create_app
from backend.kernel.config import Settings
from backend.kernel.database import make_engine, make_sessionmaker, utcnow
from backend.notifications.dispatcher import OutboxDispatcher, backoff_seconds
from backend.notifications.models import OutboxMessage
from tests.backend.conftest import INTERNAL_SECRET, SERVICE_HEADERS, STAFF_HEADERS, make_settings
from tests.backend.factories import ticket_body
from tests.backend.notifications.receiver import PushReceiver
from tests.support.auth import CallerAuth

LIFE = ["assigned", "scheduled", "in_progress"]


@pytest.fixture
def receiver() -> PushReceiver:
    """Not started: a test starts it when the bot should be up."""
    return PushReceiver(INTERNAL_SECRET)


@pytest.fixture
def settings(database_url: str, receiver: PushReceiver) -> Settings:
    return make_settings(database_url, bot_push_url=receiver.url)


@pytest.fixture
async def dispatcher(app):
    dispatcher = OutboxDispatcher(sessionmaker=app.state.sessionmaker,
                                  settings=app.state.settings)
    yield dispatcher
    await dispatcher.aclose()


async def make_history(create, change_status, tickets: int = 2,
                       statuses: list[str] = LIFE) -> list[str]:
    numbers = []
    for i in range(tickets):
        number = (await create(key=f"k-{i}", customer_overrides={"chat_id": f"c{i}"})).json()
        numbers.append(number["number"])
    for status in statuses:  # interleaved: t0 assigned, t1 assigned, t0 scheduled, ...
        for number in numbers:
            assert (await change_status(number, status)).status_code == 200
    return numbers


async def messages(app) -> list[OutboxMessage]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
                    .scalars())


async def run_until_delivered(app, *dispatchers: OutboxDispatcher, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while any(m.delivered_at is None for m in await messages(app)):
        assert time.monotonic() < deadline, "outbox not delivered in time"
        await asyncio.gather(*(d.run_once() for d in dispatchers))
        await asyncio.sleep(0.02)


def test_backoff_grows_is_capped_and_jittered() -> None:
    for attempts in range(1, 12):
        full = min(2 ** attempts, 60)
        delays = {backoff_seconds(attempts, 60) for _ in range(50)}
        assert all(full / 2 <= d <= full for d in delays)
        assert len(delays) > 1


async def test_delivers_signed_payloads_once(app, create, change_status, dispatcher,
                                             receiver) -> None:
    [number] = await make_history(create, change_status, tickets=1, statuses=["assigned"])

    async with receiver:
        assert await dispatcher.run_once() == 1
        assert await dispatcher.run_once() == 0

    assert receiver.bad_signatures == 0 and receiver.requests == 1
    [event] = receiver.events
    assert event["ticket_number"] == number and event["status"] == "assigned"
    [message] = await messages(app)
    assert message.delivered_at is not None and message.attempts == 1
    assert message.last_error is None and event["event_id"] == message.event_id


async def test_retries_with_backoff_while_the_bot_is_down_then_delivers_all_once_in_order(
        app, create, change_status, receiver) -> None:
    numbers = await make_history(create, change_status, tickets=2)
    # A back-off of 0.5-1 s: long enough that "not due yet" holds on a busy machine.
    dispatcher = OutboxDispatcher(sessionmaker=app.state.sessionmaker,
                                  settings=app.state.settings.model_copy(
                                      update={"outbox_max_backoff_seconds": 1.0}))

    started = utcnow()
    assert await dispatcher.run_once() == 0  # nobody listening
    finished = utcnow()
    after_first = await messages(app)
    tried = [m for m in after_first if m.attempts]
    # Only the first message of each ticket is tried: a later one waits for the earlier one.
    assert [m.payload["status"] for m in tried] == ["assigned", "assigned"]
    for message in tried:
        assert message.attempts == 1 and message.delivered_at is None
        assert "ConnectError" in message.last_error
        assert started + timedelta(seconds=0.5) <= message.next_attempt_at
        assert message.next_attempt_at <= finished + timedelta(seconds=1)
    assert await dispatcher.run_once() == 0  # not due yet: nothing is tried
    assert {m.attempts for m in await messages(app)} == {0, 1}

    await asyncio.sleep(1.0)
    assert await dispatcher.run_once() == 0
    assert max(m.attempts for m in await messages(app)) == 2

    await asyncio.sleep(1.0)
    async with receiver:
        await run_until_delivered(app, dispatcher)

    assert sorted(receiver.event_ids()) == sorted(m.event_id for m in await messages(app))
    assert max(Counter(receiver.event_ids()).values()) == 1
    assert receiver.by_ticket() == {number: LIFE for number in numbers}
    assert receiver.bad_signatures == 0
    await dispatcher.aclose()


async def test_a_refusing_bot_is_retried(app, create, change_status, dispatcher,
                                         receiver) -> None:
    await make_history(create, change_status, tickets=1, statuses=["assigned", "scheduled"])
    receiver.fail_first = 2

    async with receiver:
        await run_until_delivered(app, dispatcher)

    first, second = await messages(app)
    assert first.attempts == 3 and second.attempts == 1
    assert [e["status"] for e in receiver.events] == ["assigned", "scheduled"]


async def test_a_claim_whose_dispatcher_died_is_retried_after_the_lease(
        app, create, change_status, receiver, database_url) -> None:
    await make_history(create, change_status, tickets=1, statuses=["assigned"])
    # Lease = 3 × delivery timeout = 1.5 s: long enough that a loaded machine does not let
    # it lapse between the claim and the survivor's first look.
    short = make_settings(database_url, bot_push_url=receiver.url,
                          outbox_delivery_timeout_seconds=0.5)
    dead = OutboxDispatcher(sessionmaker=app.state.sessionmaker, settings=short)
    assert len(await dead._claim()) == 1  # claimed, then "crashed" before sending

    survivor = OutboxDispatcher(sessionmaker=app.state.sessionmaker, settings=short)
    async with receiver:
        assert await survivor.run_once() == 0  # leased: not taken
        await asyncio.sleep(1.6)
        assert await survivor.run_once() == 1
    await survivor.aclose()
    assert len(receiver.events) == 1


async def test_two_dispatchers_never_deliver_twice(app, create, change_status, receiver,
                                                   database_url) -> None:
    numbers = await make_history(create, change_status, tickets=6)
    receiver.delay = 0.01
    # Two dispatchers with their own engines: as if in two processes.
    engines = [make_engine(database_url) for _ in range(2)]
    dispatchers = [OutboxDispatcher(sessionmaker=make_sessionmaker(engine),
                                    settings=app.state.settings) for engine in engines]
    try:
        async with receiver:
            await run_until_delivered(app, *dispatchers)
    finally:
        for dispatcher, engine in zip(dispatchers, engines, strict=True):
            await dispatcher.aclose()
            await engine.dispose()

    assert len(receiver.events) == len(numbers) * len(LIFE)
    assert max(Counter(receiver.event_ids()).values()) == 1
    assert receiver.by_ticket() == {number: LIFE for number in numbers}


async def test_the_running_backend_pushes_right_after_a_status_change(receiver,
                                                                      database_url) -> None:
    # A long poll interval: only the wake-up can deliver within the test's patience.
    settings = make_settings(database_url, bot_push_url=receiver.url,
                             outbox_dispatcher_enabled=True, outbox_poll_seconds=30)
    app = create_app(settings)
    async with receiver, app.router.lifespan_context(app), httpx.AsyncClient(auth=CallerAuth(INTERNAL_SECRET), 
            transport=httpx.ASGITransport(app), base_url="http://backend.test") as client:
        created = await client.post("/api/v1/tickets", json=ticket_body(),
                                    headers={**SERVICE_HEADERS, "Idempotency-Key": "k"})
        number = created.json()["number"]
        await asyncio.sleep(0.1)  # the dispatcher's first round has passed and it sleeps
        await client.post(f"/api/v1/tickets/{number}/status", json={"status": "assigned"},
                          headers=STAFF_HEADERS)
        deadline = time.monotonic() + 3
        while not receiver.events and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    assert [e["status"] for e in receiver.events] == ["assigned"]
