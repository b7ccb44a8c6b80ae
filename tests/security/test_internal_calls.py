"""Internal calls are authenticated and replay-protected, both ways: the bot's calls to the
backend and the backend's pushes to the bot. A replay is refused (409), a stale or tampered
signature too (401); the normal path works; nonces are shared by processes on one database."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.applications import Starlette

from backend.app import create_app
from backend.kernel.config import Settings
from backend.kernel.signing import MAX_AGE_SECONDS, NONCE_HEADER, signed_headers, verify
from backend.security import service as security_service
from backend.security.models import UsedNonce
from backend.security.worker import PurgeWorker
from bot.backend_client import BackendClient
from bot.dialogue.types import Reply
from bot.nonces import NonceStore
from bot.push import push_routes
from tests.backend.conftest import INTERNAL_SECRET, make_settings
from tests.backend.factories import ticket_body
from tests.support.offline import offline_engine

TICKETS = "/api/v1/tickets"
MINE = "/api/v1/customers/telegram/42/tickets"


def signed(method: str, target: str, body: bytes = b"", *, secret: str = INTERNAL_SECRET,
           now: float | None = None) -> dict[str, str]:
    return signed_headers(secret, body, method=method, target=target, now=now)


async def post_ticket(client: httpx.AsyncClient, headers: dict, body: bytes) -> httpx.Response:
    return await client.post(TICKETS, content=body, headers={
        **headers, "Idempotency-Key": "k-1", "Content-Type": "application/json"})


# ---- bot → backend -------------------------------------------------------------------------

async def test_the_bots_client_signs_its_calls_and_they_pass(app: FastAPI) -> None:
    backend = BackendClient("http://backend.test", token=INTERNAL_SECRET,
                            transport=httpx.ASGITransport(app), retry_delays=())
    try:
        created = await backend.create_ticket(idempotency_key="k-1", ticket=ticket_body())
        [mine] = await backend.list_tickets("telegram", "42")
        # A query with CJK text and reserved characters is signed as sent (a 401 would raise).
        answer = await backend.answer(language="zh-Hans", topic=None, product=None, city=None,
                                      text="保修期多久？ & ?x=1")
    finally:
        await backend.aclose()
    assert mine["number"] == created["number"]
    assert answer is None or isinstance(answer, dict)


async def test_a_replayed_call_is_refused_with_409(client: httpx.AsyncClient) -> None:
    body = json.dumps(ticket_body()).encode()
    headers = signed("POST", TICKETS, body)

    assert (await post_ticket(client, headers, body)).status_code == 201
    replay = await post_ticket(client, headers, body)

    assert replay.status_code == 409 and "replay" in replay.json()["detail"]


async def test_a_stale_or_future_signature_is_refused(client: httpx.AsyncClient) -> None:
    # A minute past the window either way: a second's margin failed on a loaded CI machine,
    # where the request reached the check more than a second after it was signed.
    for skew in (-MAX_AGE_SECONDS - 60, MAX_AGE_SECONDS + 60):
        response = await client.get(MINE, headers=signed("GET", MINE, now=time.time() + skew))
        assert response.status_code == 401, skew
    assert (await client.get(MINE, headers=signed("GET", MINE))).status_code == 200


async def test_a_tampered_call_is_refused(client: httpx.AsyncClient) -> None:
    body = json.dumps(ticket_body()).encode()
    other = json.dumps(ticket_body(phone="13900000000")).encode()
    assert (await post_ticket(client, signed("POST", TICKETS, body), other)).status_code == 401
    # Signed for one customer's tickets, sent for another's; another method; another secret.
    response = await client.get("/api/v1/customers/telegram/43/tickets",
                                headers=signed("GET", MINE))
    assert response.status_code == 401
    assert (await client.get(MINE, headers=signed("POST", MINE))).status_code == 401
    assert (await client.get(MINE, headers=signed("GET", MINE, secret="x"))).status_code == 401
    assert (await client.get(MINE + "?open_only=true",
                             headers=signed("GET", MINE))).status_code == 401


async def test_the_bare_secret_as_a_bearer_token_is_refused(client) -> None:
    response = await client.get(MINE, headers={"Authorization": f"Bearer {INTERNAL_SECRET}"})
    assert response.status_code == 401


async def test_backends_on_one_database_share_the_nonces(app: FastAPI,
                                                         settings: Settings) -> None:
    """Two backend processes (two apps) behind a load balancer: a call replayed to the other
    one is refused too."""
    second = create_app(make_settings(settings.database_url))
    headers = signed("GET", MINE)
    async with second.router.lifespan_context(second):
        async with (httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                      base_url="http://a") as first_client,
                    httpx.AsyncClient(transport=httpx.ASGITransport(second),
                                      base_url="http://b") as second_client):
            assert (await first_client.get(MINE, headers=headers)).status_code == 200
            assert (await second_client.get(MINE, headers=headers)).status_code == 409


async def test_expired_nonces_are_purged(app: FastAPI, client: httpx.AsyncClient) -> None:
    await client.get(MINE, headers=signed("GET", MINE, now=time.time() - 250))
    await client.get(MINE, headers=signed("GET", MINE))

    async def count() -> int:
        async with app.state.sessionmaker() as session:
            return (await session.execute(select(func.count()).select_from(UsedNonce))
                    ).scalar_one()

    assert await count() == 2
    assert await PurgeWorker(sessionmaker=app.state.sessionmaker).run_once() == 0
    async with app.state.sessionmaker() as session:
        assert await security_service.purge_nonces(
            db_session=session, now=datetime.now(UTC) + timedelta(seconds=60)) == 1
    assert await count() == 1


# ---- backend → bot -------------------------------------------------------------------------

class RecordingChannel:
    name = "telegram"

    def __init__(self) -> None:
        self.shown: list[tuple[str, Reply]] = []

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        self.shown += [(chat_id, reply) for reply in replies]
        return True


@pytest.fixture
async def bot(tmp_path, database_url: str):
    """The bot's push receiver with its nonces in a database of each kind."""
    nonces = NonceStore(database_url)
    await nonces.create_tables()
    async with offline_engine(tmp_path) as engine:
        channel = RecordingChannel()
        app = Starlette(routes=push_routes(secret=INTERNAL_SECRET, engine=engine,
                                           channels={"telegram": channel}, nonces=nonces))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bot") as client:
            yield client, channel
    await nonces.close()


def push_body(event_id: str = "e-1") -> bytes:
    return json.dumps({"event_id": event_id, "ticket_number": "RS-20261124-0007",
                       "ticket_type": "repair", "status": "assigned",
                       "previous_status": "new", "note": None, "channel": "telegram",
                       "chat_id": "42", "language": "zh-Hans"}).encode()


async def test_a_signed_push_is_shown_and_its_replay_refused(bot) -> None:
    client, channel = bot
    body = push_body()
    headers = signed("POST", "/internal/push", body)

    assert (await client.post("/internal/push", content=body, headers=headers)).status_code == 200
    replay = await client.post("/internal/push", content=body, headers=headers)

    assert replay.status_code == 409
    assert len(channel.shown) == 1


async def test_a_stale_or_tampered_push_is_refused(bot) -> None:
    client, channel = bot
    body = push_body()
    stale = signed("POST", "/internal/push", body, now=time.time() - 301)
    assert (await client.post("/internal/push", content=body, headers=stale)).status_code == 401
    tampered = signed("POST", "/internal/push", push_body("e-2"))
    assert (await client.post("/internal/push", content=body,
                              headers=tampered)).status_code == 401
    assert channel.shown == []


async def test_bot_processes_on_one_database_share_the_nonces(bot, database_url: str) -> None:
    client, _ = bot
    body = push_body()
    headers = signed("POST", "/internal/push", body)
    assert (await client.post("/internal/push", content=body, headers=headers)).status_code == 200
    other = NonceStore(database_url)
    try:
        seen = verify(INTERNAL_SECRET, headers, method="POST", target="/internal/push",
                      body=body)
        assert seen is not None and seen.nonce == headers[NONCE_HEADER]
        assert not await other.claim(seen)
    finally:
        await other.close()
