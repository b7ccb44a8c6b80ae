"""The delivery layer every channel sits on: inbox before acknowledging, outbox for replies,
de-duplication, one chat's turns one at a time in order, and a sweep for what a failure left.

A channel turns what the customer did into an `InboundMessage` and hands it to `receive`,
which stores it in the bot's inbox (ConversationStore.receive) before the channel confirms it
to anyone (Telegram's next getUpdates offset or the webhook's 200, the web chat's ack). An
update stored before, or handled before, is not stored again: a redelivery is handled once.
`handle(chat_id)` then works off the chat's inbox in order under a per-chat lock (and, on
PostgreSQL, the chat's row lock across processes): each turn saves the conversation, marks the
update handled and saves its replies in one transaction (`engine.handle(..., outbox=True)`),
and the replies are shown from that outbox with the channel's own `show(chat_id, reply)`, each
deleted once shown. Pushes and other replies that are not a turn's (`send`) go into the same
outbox first. A sweep every few seconds handles what is left in the inbox and shows what is
left in the outbox (the previous run's, or what a failure held back).

So a bot killed at any moment loses nothing and repeats nothing: an update not yet stored
was not confirmed (the sender has it still), one stored is handled after the restart, a turn
either committed with its replies or not at all, and a reply is deleted only after it was
shown (the one exception: a reply shown in the instant before the process died, before its
deletion committed, is shown again).

`show` raises to keep a reply (and the ones after it) for later: `Unreachable` when the chat
cannot be shown anything now (no web chat page open: quietly kept until it can), any other
exception for a failure worth a warning (Telegram away). Flood control (bot/ratelimit.py),
when given, is applied as updates arrive: one "please slow down", then drops. A channel with
chores of its own (the web chat: deleting photos a day old) gives them as `upkeep`, done by
the sweep each round.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace

from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from bot.dialogue.types import Attachment, InboundMessage, Reply
from bot.ratelimit import RateLimit, Verdict, slow_down_reply

log = logging.getLogger(__name__)

# Show one reply in a chat; raises to keep it (and the chat's later replies) for later.
Show = Callable[[str, Reply], Awaitable[None]]
# The channel's own business with an update before its turn (Telegram: answer the pressed
# button), given what the channel stored beside the message.
BeforeTurn = Callable[[str, dict], Awaitable[None]]


class Unreachable(Exception):
    """Nothing can be shown in this chat right now (no page of it open): its replies wait in
    the outbox until it can be reached. Expected, so not warned about."""


class Delivery:
    """One channel's inbox and outbox of replies on the bot's database."""

    def __init__(self, channel: str, *, engine: DialogueEngine, store: ConversationStore,
                 show: Show, before_turn: BeforeTurn | None = None,
                 reachable: Callable[[str], bool] = lambda chat_id: True,
                 limit: RateLimit | None = None, sweep_seconds: float = 5.0,
                 upkeep: Callable[[], Awaitable[object]] | None = None) -> None:
        """`reachable(chat_id)`: whether showing in the chat can succeed now; the sweep shows
        saved replies only in such chats (a web chat: one with a page open here). `upkeep`:
        the channel's own chores, done at the end of each sweep."""
        self.channel, self.engine, self.store = channel, engine, store
        self._show, self._before_turn, self._reachable = show, before_turn, reachable
        self._upkeep = upkeep
        self.limit, self.sweep_seconds = limit, sweep_seconds
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task] = set()
        self._sweeper: asyncio.Task | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep(), name=f"{self.channel}-sweep")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        # Turns under way finish (their updates are confirmed already).
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ---- updates in -----------------------------------------------------------------------

    async def receive(self, message: InboundMessage, extra: dict | None = None, *,
                      limited: bool = True) -> bool:
        """Keep an update in the inbox until it is handled; `extra` is what the channel needs
        done about it before its turn (given to `before_turn`). True when the chat has
        something to handle now (this update, stored now or before, or a "please slow down"
        to show); False when flood control dropped it. Raises when it could not be stored:
        the channel must not confirm it then. Not `limited`: the bot's own message into the
        chat (a photo's reading), which flood control must neither drop nor count, or one the
        channel put through `admit` itself."""
        verdict = await self.admit(message) if limited else Verdict.allow
        if verdict is Verdict.slow_down:
            return True
        if verdict is not Verdict.allow:
            return False
        if message.update_id is None:  # an update without an id of its own: never a repeat
            message = replace(message, update_id=uuid.uuid4().hex)
        # The channel's part is kept under the channel's name (Telegram: "telegram").
        payload = json.dumps({"message": asdict(message), self.channel: extra or {}},
                             ensure_ascii=False)
        await self.store.receive(self.channel, message.chat_id, str(message.update_id), payload)
        return True

    async def admit(self, message: InboundMessage) -> Verdict:
        """Flood control alone, for a channel that must know before the update is whole (a
        web chat upload, before its body is read); its "please slow down" is saved to show.
        The update is then received with `limited=False`."""
        verdict = self.limit.allow(message.chat_id) if self.limit else Verdict.allow
        if verdict is Verdict.slow_down:
            await self.store.enqueue(self.channel, message.chat_id, [slow_down_reply(message)])
        return verdict

    def _read(self, payload: str) -> tuple[InboundMessage, dict]:
        data = json.loads(payload)
        message = data["message"]
        message["attachments"] = tuple(Attachment(**a) for a in message["attachments"])
        return InboundMessage(**message), data.get(self.channel) or {}

    # ---- turns ----------------------------------------------------------------------------

    def handle_soon(self, chat_id: str) -> None:
        """`handle` in the background (the channel does not wait for the answer)."""
        task = asyncio.create_task(self.handle(chat_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, chat_id: str) -> None:
        """Handle the chat's waiting updates in order, showing each turn's replies. A failure
        (the database away) is logged and left to the sweep."""
        async with self._locks[chat_id]:
            try:
                for _, payload in await self.store.inbox(self.channel, chat_id):
                    message, extra = self._read(payload)
                    if self._before_turn is not None:
                        await self._before_turn(chat_id, extra)
                    await self.engine.handle(message, outbox=True)
                    await self._show_saved(chat_id)
                await self._show_saved(chat_id)
            except Exception as exc:
                log.warning("%s chat turn failed, retried by the sweep: %s", self.channel,
                            type(exc).__name__)

    # ---- replies out ----------------------------------------------------------------------

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        """Replies that are not a turn's (pushes, late ticket numbers): saved first, then
        shown if the chat can be reached now (else by a later flush or the sweep). A push's
        `event_id` is recorded with them, in one transaction: False when it was recorded
        before (nothing saved again). Raises only when they could not be saved."""
        if not await self.store.enqueue(self.channel, chat_id, replies, event_id=event_id):
            return False
        await self.flush(chat_id)
        return True

    async def flush(self, chat_id: str) -> None:
        """Show what waits in the chat's outbox (a web chat page has just connected)."""
        async with self._locks[chat_id]:
            try:
                await self._show_saved(chat_id)
            except Exception as exc:  # saved: the sweep shows it
                log.warning("%s reply held for the sweep: %s", self.channel,
                            type(exc).__name__)

    async def _show_saved(self, chat_id: str) -> None:
        try:
            await self.store.send_outgoing(self.channel, chat_id,
                                           lambda reply: self._show(chat_id, reply))
        except Unreachable:
            pass  # kept until a page of the chat is open

    # ---- the sweep ------------------------------------------------------------------------

    async def sweep_once(self) -> None:
        """Handle the chats with updates in the inbox, and show saved replies in the chats
        that can be reached (chats being handled right now are left alone); then the
        channel's upkeep."""
        chats = {chat for chat, _ in await self.store.inbox(self.channel)}
        chats.update(chat for chat in await self.store.chats_with_outgoing(self.channel)
                     if self._reachable(chat))
        for chat_id in chats:
            if not self._locks[chat_id].locked():
                self.handle_soon(chat_id)
        if self._upkeep is not None:
            await self._upkeep()

    async def _sweep(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("%s sweep failed: %s", self.channel, type(exc).__name__)
            await asyncio.sleep(self.sweep_seconds)
