"""The delivery layer under every channel (bot/channels/delivery.py), fast: the real engine and
store on SQLite (NLU and backend unreachable: every message gets the basic-mode menu), and a
recording "show one reply" for the channel. An update is kept until handled and handled once;
a chat's updates in order; a reply kept until shown and shown once; a restart (a new layer on
the same database) picks up what the previous one left."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot import catalogue
from bot.channels.delivery import Delivery, Unreachable
from bot.dialogue.state import ConversationStore, Submission
from bot.dialogue.types import InboundMessage, Reply
from bot.ratelimit import RateLimit
from bot.submissions import SubmissionRetrier
from tests.support.offline import offline_engine, store_url

CHANNEL = "test"


class Screen:
    """The channel's "show one reply": records what is shown, or fails like a channel can."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []
        self.failure: Exception | None = None

    async def __call__(self, chat_id: str, reply: Reply) -> None:
        if self.failure is not None:
            raise self.failure
        self.shown.append((chat_id, reply.text))

    def texts(self, chat_id: str = "c1") -> list[str]:
        return [text for chat, text in self.shown if chat == chat_id]


@pytest.fixture
async def parts(tmp_path):
    async with offline_engine(tmp_path) as engine:
        yield engine, engine.store, store_url(tmp_path)


def layer(parts, screen: Screen, **options) -> Delivery:
    engine, store, _ = parts
    return Delivery(CHANNEL, engine=engine, store=store, show=screen, **options)


def said(update: str, text: str = "hello", chat: str = "c1") -> InboundMessage:
    return InboundMessage(channel=CHANNEL, chat_id=chat, update_id=update, text=text)


async def one_answer(parts) -> list[str]:
    """What one "hello" is answered with, in a chat of its own."""
    screen = Screen()
    delivery = layer(parts, screen)
    await delivery.receive(said("x", chat="reference"))
    await delivery.handle("reference")
    assert screen.texts("reference")
    return screen.texts("reference")


async def waiting(store: ConversationStore, chat: str = "c1") -> tuple[int, bool]:
    """(updates in the inbox, replies in the outbox?) of the chat."""
    return (len(await store.inbox(CHANNEL, chat)),
            chat in await store.chats_with_outgoing(CHANNEL))


async def test_an_update_received_again_is_handled_and_answered_once(parts):
    answer = await one_answer(parts)
    screen, (_, store, _) = Screen(), parts
    delivery = layer(parts, screen)
    assert await delivery.receive(said("u1"))
    assert await delivery.receive(said("u1"))  # again before it was handled
    await delivery.handle("c1")
    assert await delivery.receive(said("u1"))  # and after
    await delivery.handle("c1")
    assert screen.texts() == answer
    assert await waiting(store) == (0, False)


async def test_a_chats_updates_are_handled_in_the_order_they_came(parts):
    order: list[int] = []

    async def before_turn(chat_id: str, extra: dict) -> None:
        order.append(extra["n"])

    delivery = layer(parts, Screen(), before_turn=before_turn)
    for n in range(1, 6):
        await delivery.receive(said(f"u{n}"), {"n": n})
    await asyncio.gather(*(delivery.handle("c1") for _ in range(3)))
    assert order == [1, 2, 3, 4, 5]


async def test_a_reply_the_channel_failed_to_show_is_kept_and_shown_once_by_the_sweep(parts):
    answer = await one_answer(parts)
    screen, (_, store, _) = Screen(), parts
    delivery = layer(parts, screen)
    screen.failure = ConnectionError("Telegram away")
    await delivery.receive(said("u1"))
    await delivery.handle("c1")
    assert screen.shown == [] and await waiting(store) == (0, True)  # the turn is saved

    screen.failure = None
    for _ in range(2):
        await delivery.sweep_once()
        await delivery.stop()  # waits for the turns the sweep started
    assert screen.texts() == answer
    assert await waiting(store) == (0, False)


async def test_an_unreachable_chat_is_answered_quietly_and_shown_everything_in_order_later(
        parts):
    answer = await one_answer(parts)
    screen, (_, store, _) = Screen(), parts
    reachable = False
    delivery = layer(parts, screen, reachable=lambda chat_id: reachable)
    screen.failure = Unreachable("c1")
    await delivery.receive(said("u1"))
    await delivery.receive(said("u2", "/start"))
    await delivery.handle("c1")  # both turns, although nothing can be shown
    await delivery.send("c1", [Reply("pushed")])  # a push is taken all the same
    assert await waiting(store) == (0, True)
    await delivery.sweep_once()  # not reachable: left alone
    await delivery.stop()

    screen.failure, reachable = None, True
    await delivery.flush("c1")  # a page of the chat connects
    texts = screen.texts()
    assert texts[:len(answer)] == answer and texts[-1] == "pushed"
    assert len(texts) > len(answer) + 1  # /start's menu in between
    await delivery.flush("c1")
    assert screen.texts() == texts  # nothing twice


async def test_an_update_stored_before_a_kill_is_answered_after_the_restart(parts):
    answer = await one_answer(parts)
    engine, _, url = parts
    await layer(parts, Screen()).receive(said("u1"))  # then the process died

    store = ConversationStore(url)  # the next process, on the same database
    screen = Screen()
    restarted = Delivery(CHANNEL, engine=engine, store=store, show=screen, sweep_seconds=0.05)
    await restarted.start()
    for _ in range(200):
        if screen.shown and await waiting(store) == (0, False):
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # a few more sweeps: nothing more
    await restarted.stop()
    await store.close()
    assert screen.texts() == answer


async def test_replies_saved_with_a_turn_before_a_kill_are_shown_once_after_it(parts):
    answer = await one_answer(parts)
    engine, store, _ = parts
    delivery = layer(parts, Screen())
    await delivery.receive(said("u1"))
    # The turn committed (conversation, update handled, replies saved), then the kill.
    assert len(await store.inbox(CHANNEL, "c1")) == 1
    await engine.handle(said("u1"), outbox=True)
    assert await waiting(store) == (0, True)

    screen = Screen()
    restarted = layer(parts, screen)
    await restarted.sweep_once()
    await restarted.stop()
    await restarted.sweep_once()
    await restarted.stop()
    assert screen.texts() == answer


async def test_a_flooding_chat_is_told_once_then_dropped(parts):
    screen, (_, store, _) = Screen(), parts
    delivery = layer(parts, screen, limit=RateLimit(per_minute=1, burst=2))
    accepted = [await delivery.receive(said(f"u{n}", "hello")) for n in range(5)]
    assert accepted == [True, True, True, False, False]
    await delivery.handle("c1")
    notices = [t for t in screen.texts() if t == catalogue.text("en", "ratelimit.slow_down")]
    assert len(notices) == 1
    assert await waiting(store) == (0, False)


async def test_an_update_without_an_id_of_its_own_is_never_taken_for_a_repeat(parts):
    answer = await one_answer(parts)
    screen = Screen()
    delivery = layer(parts, screen)
    for _ in range(2):
        await delivery.receive(InboundMessage(channel=CHANNEL, chat_id="c1", text="hello"))
    await delivery.handle("c1")
    assert len(screen.texts()) == 2 * len(answer)


async def test_a_push_sent_again_is_kept_once_even_across_a_restart(parts):
    """A push's replies and its event id are saved in one transaction: the same event again
    (the backend retries when the bot died before answering) saves nothing the second time."""
    engine, store, url = parts
    screen = Screen()
    screen.failure = Unreachable()  # nobody there yet: the replies wait
    push = [Reply("工单 RS-1 已派工")]
    assert await layer(parts, screen).send("c1", push, event_id="e-1") is True
    restarted = ConversationStore(url)
    try:
        again = Delivery(CHANNEL, engine=engine, store=restarted, show=screen)
        assert await again.send("c1", push, event_id="e-1") is False
        screen.failure = None
        await again.flush("c1")
    finally:
        await restarted.close()
    assert screen.texts() == ["工单 RS-1 已派工"]


class Channel:
    """A channel on the layer (what the submission retrier hands the ticket number to)."""

    name = CHANNEL

    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        return await self.delivery.send(chat_id, replies, event_id=event_id)


async def test_a_held_forms_ticket_number_is_shown_once_even_if_killed_before_the_form_dropped(
        parts, monkeypatch):
    """The backend took a held form; the retrier saves the number to show, and drops the held
    form. Killed in between, the next round finds the form again (the backend answers the same
    ticket for the same idempotency key) and drops it without showing the number again."""
    engine, store, url = parts
    key = f"{CHANNEL}:c1:repair"
    await store.hold_submission(Submission(key, CHANNEL, "c1", "repair", "zh-Hans", {}, 1),
                                retry_at=datetime(2000, 1, 1, tzinfo=UTC))
    number = [Reply("报修已提交，工单号 RS-20261204-0001")]

    async def created():  # what formflow.retry_submissions gives for a ticket made now
        return [(CHANNEL, "c1", number, key)
                for submission in await engine.store.due_submissions(datetime.now(UTC))]

    monkeypatch.setattr(engine, "retry_submissions", created)
    screen = Screen()
    channel = Channel(layer(parts, screen))
    dropped = store.drop_submission

    async def killed(_key: str) -> None:
        raise SystemExit("killed before the held form was dropped")

    monkeypatch.setattr(store, "drop_submission", killed)
    with pytest.raises(SystemExit):
        await SubmissionRetrier(engine, {CHANNEL: channel}).run_once()
    monkeypatch.setattr(store, "drop_submission", dropped)
    assert await SubmissionRetrier(engine, {CHANNEL: channel}).run_once() == 0
    assert await store.due_submissions(datetime.now(UTC)) == []
    assert screen.texts() == ["报修已提交，工单号 RS-20261204-0001"]
