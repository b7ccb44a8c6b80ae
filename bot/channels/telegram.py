"""Telegram adapter: what is Telegram's own on top of the delivery layer
(bot/channels/delivery.py: inbox, outbox, per-chat order, sweep).

Updates arrive by long polling (default) or by webhook (TELEGRAM_WEBHOOK_URL; the secret token
header is checked on every request). Either way an update is first stored in the bot's inbox
and only then confirmed to Telegram (the next getUpdates offset, or the webhook's 200), so a bot
killed at any moment handles it after the restart. Before a pressed button's turn the button
is answered and its keyboard taken away; replies are sent with sendMessage from the outbox.
The photo reader (bot/photos.py) fetches a customer's photo with getFile and its download;
a file for the customer (a service record's PDF) goes with sendDocument.

A chat that floods the bot gets one "please slow down" and its further messages are dropped
until its rate is back under the limit. Sending goes through python-telegram-bot's rate
limiter: Telegram's flood limits are kept, and a 429 answer is waited out (retry_after) and
sent again, not dropped. The Bot API base URL is configurable so a self-hosted Bot API server
(or the tests' fake) can stand in.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import warnings

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import AIORateLimiter, Application
from telegram.warnings import PTBUserWarning

from backend.kernel.config import Settings
from bot.channels.base import Capabilities, Document, FileGone
from bot.channels.delivery import Delivery
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from bot.dialogue.types import Attachment, InboundMessage, Reply
from bot.ratelimit import RateLimit

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# A 429 is waited out and the request sent again this many times before the reply is left
# for the next sweep.
MAX_RETRIES = 5


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
        for row in reply.buttons
    ])


def inbound(update: Update) -> tuple[InboundMessage, dict] | None:
    """What the customer did, for the engine, and what Telegram needs done about it (the
    pressed button's query to answer); None for updates that are not a customer's turn."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or not isinstance(chat.id, int):  # Telegram's chat ids are integers
        return None
    locale = user.language_code if user else None
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        return InboundMessage(
            channel=TelegramChannel.name, chat_id=str(chat.id),
            update_id=str(update.update_id), button=query.data or "", locale_hint=locale,
        ), {"query_id": query.id, "message_id": message.message_id if message else None}
    message = update.message or update.edited_message
    if message is None:
        return None
    attachments: list[Attachment] = []
    if message.photo:
        attachments.append(Attachment("photo", message.photo[-1].file_id))
    if message.document:
        attachments.append(Attachment("document", message.document.file_id,
                                      message.document.mime_type))
    if message.sticker:
        attachments.append(Attachment("sticker", message.sticker.file_id))
    return InboundMessage(
        channel=TelegramChannel.name, chat_id=str(chat.id), update_id=str(update.update_id),
        text=message.text or message.caption, user_name=user.first_name if user else None,
        locale_hint=locale, attachments=tuple(attachments),
    ), {}


class TelegramChannel:
    name = "telegram"
    capabilities = Capabilities(buttons=True, photos=True, edits=True, fetch_files=True,
                                send_files=True)

    def __init__(self, settings: Settings, engine: DialogueEngine, store: ConversationStore,
                 *, limit: RateLimit | None = None) -> None:
        """`limit`: flood control per chat, applied as updates arrive (bot/ratelimit.py)."""
        assert settings.telegram_bot_token, "TELEGRAM_BOT_TOKEN is not set"
        self.poll_timeout = settings.telegram_poll_timeout
        self.webhook_url = settings.telegram_webhook_url
        self.webhook_secret = settings.telegram_webhook_secret or ""
        self.application = (
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_api_base_file_url)
            .rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES))
            # Updates are fetched and confirmed here, not by PTB's updater (see the module).
            .updater(None)
            .build()
        )
        self.bot = self.application.bot
        self.delivery = Delivery(self.name, engine=engine, store=store, show=self._send_one,
                                 before_turn=self._acknowledge, limit=limit,
                                 sweep_seconds=settings.telegram_sweep_seconds)
        self._poller: asyncio.Task | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await self.application.initialize()
        if self.webhook_url:
            await self.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                       allowed_updates=ALLOWED_UPDATES)
            log.info("Telegram channel: webhook set")
        else:
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll(), name="telegram-poll")
            log.info("Telegram channel polling")
        await self.delivery.start()

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self.delivery.stop()
        await self.application.shutdown()

    def routes(self) -> list[BaseRoute]:
        return [Route(WEBHOOK_PATH, self._on_webhook, methods=["POST"])] if self.webhook_url \
            else []

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        return await self.delivery.send(chat_id, replies, event_id=event_id)

    # ---- updates in -----------------------------------------------------------------------

    async def _poll(self) -> None:
        offset: int | None = None
        while True:
            try:
                # Raw updates (not PTB's get_updates): one unreadable update must not hold
                # up the batch, and the offset moves only once the batch is in the inbox.
                batch = await self.bot.do_api_request(
                    "getUpdates", api_kwargs={
                        "offset": offset, "timeout": self.poll_timeout,
                        "allowed_updates": ALLOWED_UPDATES},
                    read_timeout=self.poll_timeout + 10)
                chats = set()
                for data in batch or []:
                    chats.add(await self._receive(data))
                    # Confirmed by the next getUpdates, after it is in the inbox.
                    offset = int(data["update_id"]) + 1
                for chat_id in chats:
                    if chat_id is not None:
                        self.delivery.handle_soon(chat_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Telegram or the database away: not confirmed, again
                log.warning("getUpdates round failed: %s", type(exc).__name__)
                await asyncio.sleep(1)

    async def _on_webhook(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(),
                                   self.webhook_secret.encode()):
            return JSONResponse({"detail": "bad secret token"}, status_code=401)
        try:
            data = json.loads(await request.body())
            int(data["update_id"])
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"detail": "not an update"}, status_code=400)
        try:
            chat_id = await self._receive(data)
        except Exception as exc:  # not stored: Telegram sends it again
            log.warning("webhook update not stored: %s", type(exc).__name__)
            return JSONResponse({"detail": "try again"}, status_code=503)
        if chat_id is not None:
            self.delivery.handle_soon(chat_id)
        return JSONResponse({"ok": True})

    async def _receive(self, data: dict) -> str | None:
        """Store one update in the inbox; its chat, or None when it is not for the engine."""
        try:
            update = Update.de_json(data, self.bot)
            turn = inbound(update) if update else None
        except Exception as exc:  # Telegram does not send these; a broken one is skipped
            log.warning("unreadable update %s skipped: %s", data.get("update_id"),
                        type(exc).__name__)
            return None
        if turn is None:
            return None
        message, telegram_side = turn
        return message.chat_id if await self.delivery.receive(message, telegram_side) else None

    async def _acknowledge(self, chat_id: str, telegram_side: dict) -> None:
        """Answer a pressed button and take the buttons away (best effort)."""
        if not telegram_side.get("query_id"):
            return
        try:
            await self.bot.answer_callback_query(telegram_side["query_id"])
            if telegram_side.get("message_id"):
                await self.bot.edit_message_reply_markup(
                    chat_id=int(chat_id), message_id=telegram_side["message_id"],
                    reply_markup=None)
        except TelegramError:
            pass  # answered before (a redelivery) or too old: nothing to do

    # ---- files ----------------------------------------------------------------------------

    async def fetch_file(self, file_id: str, limit: int) -> bytes:
        """A file the customer sent (getFile, then the download): FileGone when Telegram
        does not know it (any more) or it is over `limit` bytes; a TelegramError when
        Telegram is away (worth another try)."""
        try:
            file = await self.bot.get_file(file_id)
        except BadRequest:
            raise FileGone("Telegram does not know this file") from None
        if file.file_size is not None and file.file_size > limit:
            raise FileGone("the file is too large")
        data = bytes(await file.download_as_bytearray())
        if len(data) > limit:
            raise FileGone("the file is too large")
        return data

    async def send_document(self, chat_id: str, document: Document) -> None:
        """A file for the customer (sendDocument, uploaded): a service record's PDF."""
        await self.bot.send_document(
            chat_id=int(chat_id), document=InputFile(document.data, filename=document.filename),
            caption=document.caption)

    # ---- replies out ----------------------------------------------------------------------

    async def _send_one(self, chat_id: str, reply: Reply) -> None:
        try:
            await self.bot.send_message(chat_id=int(chat_id), text=reply.text,
                                        reply_markup=keyboard(reply))
        except (Forbidden, BadRequest, ValueError, TypeError) as exc:
            # The customer blocked the bot, or Telegram will never take this message: sending
            # it again cannot help, and it must not hold up the chat's later replies.
            log.warning("reply to a chat dropped: %s", type(exc).__name__)
