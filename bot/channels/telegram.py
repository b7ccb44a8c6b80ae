"""Telegram adapter: python-telegram-bot in, dialogue engine, python-telegram-bot out.

Long polling by default; the Bot API base URL is configurable so a self-hosted Bot API server
(or the fake one in the tests) can stand in for Telegram's.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from backend.config import Settings
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.types import Attachment, InboundMessage, Reply

log = logging.getLogger(__name__)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
        for row in reply.buttons
    ])


class TelegramChannel:
    name = "telegram"

    def __init__(self, settings: Settings, engine: DialogueEngine) -> None:
        assert settings.telegram_bot_token, "TELEGRAM_BOT_TOKEN is not set"
        self.engine = engine
        self.poll_timeout = settings.telegram_poll_timeout
        self.application = (
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_api_base_file_url)
            # Chats are answered side by side; the engine keeps each chat's turns in order.
            .concurrent_updates(True)
            .build()
        )
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        self.application.add_handler(MessageHandler(filters.ALL, self._on_message))
        self.application.add_error_handler(self._on_error)

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()
        await self.application.updater.start_polling(  # type: ignore[union-attr]
            timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES,
        )
        log.info("Telegram channel polling")

    async def stop(self) -> None:
        if self.application.updater and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        for reply in replies:
            await self.application.bot.send_message(
                chat_id=int(chat_id), text=reply.text, reply_markup=keyboard(reply)
            )

    # ---- handlers -------------------------------------------------------------------------

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        attachments: list[Attachment] = []
        if message.photo:
            attachments.append(Attachment("photo", message.photo[-1].file_id))
        if message.document:
            attachments.append(Attachment("document", message.document.file_id))
        if message.sticker:
            attachments.append(Attachment("sticker", message.sticker.file_id))
        user = update.effective_user
        await self._turn(chat.id, InboundMessage(
            channel=self.name, chat_id=str(chat.id), update_id=str(update.update_id),
            text=message.text or message.caption, user_name=user.first_name if user else None,
            locale_hint=user.language_code if user else None, attachments=tuple(attachments),
        ))

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        await query.answer()
        try:
            # The choice is made: take the buttons away so they cannot be pressed again.
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError:
            pass
        await self._turn(chat.id, InboundMessage(
            channel=self.name, chat_id=str(chat.id), update_id=str(update.update_id),
            button=query.data, locale_hint=query.from_user.language_code,
        ))

    async def _turn(self, chat_id: int, message: InboundMessage) -> None:
        replies = await self.engine.handle(message)
        await self.send(str(chat_id), replies)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram handler failed: %s", type(context.error).__name__,
                  exc_info=context.error)
