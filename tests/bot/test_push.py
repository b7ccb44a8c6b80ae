"""The bot's push receiver: only signed pushes, each shown once, in the chat's language; a
push the chat cannot be shown now is kept in the bot's outbox, and one the bot cannot keep is
refused so the backend delivers it again later."""

from __future__ import annotations

import json

import httpx
import pytest
from starlette.applications import Starlette

from backend.kernel.signing import signed_headers
from bot.channels.delivery import Delivery
from bot.dialogue.buttons import ACCEPT, REJECT
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.types import Reply
from bot.nonces import NonceStore
from bot.push import push_routes
from tests.support.offline import offline_engine, store_url

SECRET = "push-test-secret"


class RecordingChannel:
    """Stands in for Telegram on the real delivery layer: records what it shows, or fails
    like Telegram can (`failing`), or cannot keep anything (`broken`: its database away)."""

    name = "telegram"

    def __init__(self, engine: DialogueEngine) -> None:
        self.shown: list[tuple[str, Reply]] = []
        self.failing = self.broken = False
        self.delivery = Delivery(self.name, engine=engine, store=engine.store, show=self._show)

    async def _show(self, chat_id: str, reply: Reply) -> None:
        if self.failing:
            raise ConnectionError("Telegram unreachable")
        self.shown.append((chat_id, reply))

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        if self.broken:
            raise ConnectionError("the bot's database is away")
        return await self.delivery.send(chat_id, replies, event_id=event_id)


@pytest.fixture
async def receiver(tmp_path):
    async with offline_engine(tmp_path) as engine:
        channel = RecordingChannel(engine)
        nonces = NonceStore(store_url(tmp_path))
        await nonces.create_tables()
        app = Starlette(routes=push_routes(secret=SECRET, engine=engine,
                                           channels={"telegram": channel}, nonces=nonces))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bot") as client:
            yield client, channel, engine
        await nonces.close()


def event(**fields) -> dict:
    return {"event_id": "e-1", "ticket_number": "RS-20261124-0007", "ticket_type": "repair",
            "status": "assigned", "previous_status": "new", "note": None,
            "channel": "telegram", "chat_id": "42", "language": "zh-Hans", **fields}


async def push(client, payload: dict, secret: str = SECRET) -> httpx.Response:
    body = json.dumps(payload).encode()
    return await client.post("/internal/push", content=body,
                             headers=signed_headers(secret, body))


async def test_a_signed_push_is_shown_once_in_the_customers_language(receiver):
    client, channel, _ = receiver
    assert (await push(client, event())).status_code == 200
    assert (await push(client, event())).json() == {"status": "duplicate"}
    [(chat_id, reply)] = channel.shown
    assert chat_id == "42" and "RS-20261124-0007" in reply.text and "已派工" in reply.text


async def test_an_unsigned_or_wrongly_signed_push_is_refused(receiver):
    client, channel, _ = receiver
    assert (await push(client, event(), secret="wrong")).status_code == 401
    response = await client.post("/internal/push", json=event())
    assert response.status_code == 401
    assert channel.shown == []


async def test_a_push_telegram_cannot_take_now_is_kept_and_shown_once_later(receiver):
    client, channel, _ = receiver
    channel.failing = True
    assert (await push(client, event())).json() == {"status": "delivered"}  # kept
    assert (await push(client, event())).json() == {"status": "duplicate"}
    assert channel.shown == []
    channel.failing = False
    await channel.delivery.sweep_once()
    await channel.delivery.stop()  # the turns the sweep started have finished
    assert len(channel.shown) == 1


async def test_a_push_the_bot_cannot_keep_is_refused_and_shown_on_the_retry(receiver):
    client, channel, _ = receiver
    channel.broken = True
    assert (await push(client, event())).status_code == 503
    channel.broken = False
    assert (await push(client, event())).status_code == 200
    assert len(channel.shown) == 1


async def test_a_malformed_push_is_rejected(receiver):
    client, _, _ = receiver
    assert (await push(client, {"no": "event"})).status_code == 422


async def test_the_chats_own_language_wins_over_the_tickets(receiver):
    client, channel, engine = receiver
    async with engine.store.turn("telegram", "42", None) as conversation:
        conversation.language = "en"
    await push(client, event(language="zh-Hans"))
    assert "assigned" in channel.shown[0][1].text


@pytest.mark.parametrize(("kind", "fields", "expected"), [
    ("appointment_reminder", {"date": "2026-11-28", "window": "morning"}, "2026-11-28 上午"),
    ("staff_alert", {"text": "首次响应已超时"}, "首次响应已超时"),
    ("something_new", {}, "新的进展"),
])
async def test_other_kinds_of_push(receiver, kind, fields, expected):
    client, channel, _ = receiver
    assert (await push(client, event(kind=kind, event_id=f"e-{kind}", **fields))).status_code == 200
    assert expected in channel.shown[-1][1].text


async def test_an_acceptance_request_offers_solved_and_not_fixed(receiver):
    client, channel, _ = receiver
    await push(client, event(kind="acceptance_request", event_id="e-acc"))
    reply = channel.shown[-1][1]
    assert [b.data for row in reply.buttons for b in row] == [
        f"{ACCEPT}RS-20261124-0007", f"{REJECT}RS-20261124-0007"]
