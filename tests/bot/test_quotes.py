"""A quote in the customer's chat, straight into the dialogue engine, in the three languages:
staff build it on a backend process (SQLite), the push it queued is taken from the backend's
outbox and rendered (items, amounts in the currency, free lines with why, Accept / Decline /
Ask a person), and each button is pressed; the backend's answer is what the chat says (an old
version's button: replaced). Buttons only: no message needs the NLU. Through Telegram:
test_quotes_telegram.py."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from backend.kernel.config import DEV_STAFF_TOKEN
from bot.catalogue import text as t
from bot.dialogue.buttons import QUOTE
from tests.support import clock
from tests.support.chats import EngineChat, Said
from tests.support.processes import Service, free_port

STAFF = {"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}
REPAIR = {"items": [{"code": "RF-MAJOR"}], "parts": [{"part_number": "RF-CMP"}]}
# What the engine-side checks expect per language (the backend's fee names, the money).
SAID = {
    "zh-Hans": {"part": "冰箱压缩机", "visit": "上门费：¥30", "total": "合计：¥1,190"},
    "zh-Hant": {"part": "雪櫃壓縮機", "visit": "上門費：¥30", "total": "合計：¥1,190"},
    "en": {"part": "Fridge compressor", "visit": "Call-out fee: ¥30", "total": "Total: ¥1,190"},
}
LANGUAGES = list(SAID)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A backend process on SQLite (its pushes stay in its outbox: no bot listens), and its
    database file."""
    folder = tmp_path_factory.mktemp("quotes-backend")
    port = free_port()
    service = Service("backend", ["backend"], {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/frontdesk.db",
        "BACKEND_PORT": str(port), "DATA_DIR": str(folder),
        "BOT_PUSH_URL": f"http://127.0.0.1:{free_port()}/internal/push",
        "BUSINESS_HOURS": "00:00-24:00",
    }, f"http://127.0.0.1:{port}/health").start()
    yield f"http://127.0.0.1:{port}", folder / "frontdesk.db"
    service.stop()


@pytest.fixture(scope="module")
def backend_url(backend) -> str:  # the engine of tests/bot/conftest.py talks to this one
    return backend[0]


class QuoteChat:
    """A customer's chat with a repair ticket, and staff quoting it."""

    def __init__(self, chat: EngineChat, database: Path, lang: str, **ticket) -> None:
        self.chat, self.database, self.lang = chat, database, lang
        customer = {"channel": chat.channel, "chat_id": chat.chat_id, "language": lang}
        self.number = chat.open_ticket(customer=customer, **ticket)

    def staff(self, method: str, path: str, **body) -> dict:
        response = httpx.request(method, f"{self.chat.backend_url}/api/v1/tickets/"
                                 f"{self.number}/{path}", json=body or None, headers=STAFF,
                                 timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def quoted(self, **body) -> Said:
        """Staff build a quote; the chat shows the push it queued (from the outbox)."""
        engine = self.chat.engine
        async with engine.store.turn(self.chat.channel, self.chat.chat_id, None) as conv:
            conv.language = conv.language or self.lang  # the customer wrote in it before
        self.staff("POST", "quotes", **body)
        with sqlite3.connect(self.database) as db:
            rows = db.execute("SELECT payload FROM outbox_messages ORDER BY id").fetchall()
        [payload, *_] = [p for (raw,) in reversed(rows) if (p := json.loads(raw))
                         .get("kind") == "quote_sent" and p["ticket_number"] == self.number]
        replies = await self.chat.engine.render_push(payload)
        self.chat.last = [Said(r.text, [b.data for row in r.buttons for b in row])
                          for r in replies]
        [said] = self.chat.last
        return said

    def button(self, action: str, version: int = 1, extra: str = "") -> str:
        return f"{QUOTE}{action}:{self.number}:{version}" + (f":{extra}" if extra else "")

    def current(self) -> dict:
        return self.staff("GET", "quotes")["current"]


@pytest.fixture
def quote_chat(engine_chat: EngineChat, backend) -> object:
    return lambda lang, **ticket: QuoteChat(engine_chat, backend[1], lang, **ticket)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_quote_is_shown_and_accepted(quote_chat, lang) -> None:
    quoting = quote_chat(lang)
    said = await quoting.quoted(**REPAIR)

    words = SAID[lang]
    assert quoting.number in said.text and t(lang, "quote.consent") in said.text
    for expected in (words["part"], words["visit"], words["total"]):
        assert expected in said.text, (expected, said.text)
    assert t(lang, "quote.if_declined", amount="¥30") in said.text
    assert said.buttons == [quoting.button("ok"), quoting.button("no"), quoting.button("ask")]

    await quoting.chat.press(quoting.button("ok"))
    assert quoting.chat.text == t(lang, "quote.accepted", number=quoting.number, version=1,
                                  amount="¥1,190")
    current = quoting.current()
    assert (current["status"], current["decided_by"]) == (
        "accepted", f"customer:webchat:{quoting.chat.chat_id}")


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_declined_for_a_reason_costs_the_visit_fee(quote_chat, lang) -> None:
    quoting = quote_chat(lang)
    await quoting.quoted(**REPAIR)

    await quoting.chat.press(quoting.button("no"))
    assert quoting.chat.text == t(lang, "quote.why_ask", number=quoting.number)
    assert quoting.chat.buttons() == [quoting.button("why", extra=reason) for reason in
                                      ("too_expensive", "buy_new", "other")] + [
        quoting.button("keep")]
    await quoting.chat.press(quoting.button("why", extra="buy_new"))
    assert quoting.chat.text == t(lang, "quote.declined", number=quoting.number,
                                  charge=t(lang, "quote.declined_charge", amount="¥30"))
    current = quoting.current()
    assert (current["status"], current["decline_reason"]) == ("declined", "buy_new")


async def test_a_typed_reason_declines_in_the_customer_s_words(quote_chat) -> None:
    quoting = quote_chat("zh-Hans")
    await quoting.quoted(**REPAIR)
    await quoting.chat.press(quoting.button("no"))

    await quoting.chat.say("家里人说先不修了，过两天再说")

    assert t("zh-Hans", "quote.declined_charge", amount="¥30") in quoting.chat.text
    current = quoting.current()
    assert (current["decline_reason"], current["decline_note"]) == ("other",
                                                                    "家里人说先不修了，过两天再说")


async def test_keeping_the_quote_open_leaves_it_to_answer_later(quote_chat) -> None:
    quoting = quote_chat("en")
    await quoting.quoted(**REPAIR)
    await quoting.chat.press(quoting.button("no"))
    await quoting.chat.press(quoting.button("keep"))
    assert quoting.chat.text == t("en", "quote.kept")
    assert quoting.current()["status"] == "sent"
    quoting.chat.last = [Said("", [quoting.button("ok")])]  # the quote's button, still there
    await quoting.chat.press(quoting.button("ok"))
    assert quoting.current()["status"] == "accepted"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_an_old_version_s_button_says_it_was_replaced(quote_chat, lang) -> None:
    quoting = quote_chat(lang)
    first = await quoting.quoted(**REPAIR)
    second = await quoting.quoted(items=[{"code": "RF-GAS"}])
    assert t(lang, "quote.title_changed", number=quoting.number, version=2,
             replaces=1) in second.text
    assert quoting.button("ok", 2) in second.buttons

    quoting.chat.last = [first]  # the customer scrolls up and presses the first one
    await quoting.chat.press(quoting.button("ok", 1))
    assert quoting.chat.text == t(lang, "quote.superseded", version=1, current=2)
    quoting.chat.last = [first]
    await quoting.chat.press(quoting.button("no", 1))
    await quoting.chat.press(quoting.button("why", 1, "too_expensive"))
    assert quoting.chat.text == t(lang, "quote.superseded", version=1, current=2)
    assert quoting.current()["status"] == "sent"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_asking_a_person_queues_the_chat_naming_the_quote(quote_chat, lang) -> None:
    quoting = quote_chat(lang)
    await quoting.quoted(**REPAIR)
    await quoting.chat.press(quoting.button("ask"))
    assert quoting.chat.buttons() == ["person:leave"]  # waiting for staff
    [_, inquiry] = quoting.chat.tickets()
    assert inquiry["type"] == "inquiry"
    assert inquiry["description"] == t(lang, "quote.ask_text", number=quoting.number,
                                       version=1)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_free_quote_is_told_with_why_and_asks_nothing(quote_chat, lang) -> None:
    bought = clock.TODAY - timedelta(days=100)
    probe = quote_chat(lang)  # the chat's customer, to register their fridge
    product = probe.chat.register_product(category="冰箱", purchase_date=bought.isoformat())
    quoting = QuoteChat(probe.chat, probe.database, lang, product_id=product["id"])
    said = await quoting.quoted(items=[{"code": "RF-MINOR"}])

    until = product["warranty"]["whole_unit_until"]
    assert t(lang, "quote.title_free", number=quoting.number) in said.text
    assert t(lang, "quote.why.product_warranty", until=until, ticket="") in said.text
    assert t(lang, "quote.free_note") in said.text
    assert said.buttons == [quoting.button("ask")]


async def test_a_closed_ticket_s_quote_shows_the_ticket(quote_chat) -> None:
    quoting = quote_chat("zh-Hans")
    await quoting.quoted(**REPAIR)
    quoting.staff("POST", "status", status="cancelled")
    await quoting.chat.press(quoting.button("ok"))
    assert quoting.number in quoting.chat.text
    assert t("zh-Hans", "status_name.cancelled") in quoting.chat.text


async def test_a_forged_or_broken_quote_button_is_stale(quote_chat) -> None:
    quoting = quote_chat("en")
    await quoting.quoted(**REPAIR)
    for data in (quoting.button("ok", 99_999_999), f"{QUOTE}ok:{quoting.number}:x",
                 quoting.button("why", 1, "bored"), f"{QUOTE}dance:{quoting.number}:1",
                 f"{QUOTE}ok::1"):
        quoting.chat.last = [Said("", [data])]
        await quoting.chat.press(data)
        assert quoting.chat.text == t("en", "button.stale"), data
    assert quoting.current()["status"] == "sent"
