"""Every table of the bot's database (what each holds: `bot.dialogue.state`, `bot.nonces`).

What customers wrote (conversations, updates, replies, held submissions, the ids of photos
waiting to be read, the photos sent in the web chat) is encrypted at rest with the backend's FIELD_ENCRYPTION_KEYS. A change
here needs a migration in `migrations/`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.clock import utcnow
from backend.kernel.crypto import DecryptionError, EncryptedBytes, EncryptedString
from bot.storage.database import Base


class Sealed(EncryptedString):
    """Encrypted at rest; None when no configured key reads it."""

    cache_ok = True

    def process_result_value(self, value: str | None, dialect) -> str | None:
        try:
            return super().process_result_value(value, dialect)
        except DecryptionError:
            return None


class SealedBytes(EncryptedBytes):
    """Bytes encrypted at rest; None when no configured key reads them."""

    cache_ok = True

    def process_result_value(self, value: str | None, dialect) -> bytes | None:
        try:
            return super().process_result_value(value, dialect)
        except DecryptionError:
            return None


class ConversationRow(Base):
    __tablename__ = "bot_conversations"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str | None] = mapped_column(Sealed)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessedUpdate(Base):
    __tablename__ = "bot_processed_updates"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InboxRow(Base):
    """An update received and not yet handled (handled = in bot_processed_updates)."""

    __tablename__ = "bot_inbox"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64), index=True)
    update_id: Mapped[str] = mapped_column(String(100))
    # The channel's own form of the update (for Telegram: the update as JSON).
    payload: Mapped[str] = mapped_column(EncryptedString)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutgoingRow(Base):
    """A reply saved with its turn and not yet shown in the chat."""

    __tablename__ = "bot_outgoing"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64), index=True)
    reply: Mapped[str] = mapped_column(EncryptedString)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SubmissionRow(Base):
    """A form the backend could not take yet: retried with the same idempotency key."""

    __tablename__ = "bot_submissions"
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    # The ticket request as JSON: it holds the phone and address, so it leaves this table as
    # soon as the ticket exists.
    ticket: Mapped[str] = mapped_column(EncryptedString)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PhotoJobRow(Base):
    """A photo sent for a product's registration, waiting to be read (bot/photos.py): dropped
    once its reading is in the chat's inbox."""

    __tablename__ = "bot_photo_jobs"
    # Derived from the update and the file: the same turn handled again saves the same job.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    # The form the photo was sent in: the reading fills that form only.
    form_id: Mapped[str] = mapped_column(String(64))
    # The channel's id of the file (Telegram's lets the bot's token download the invoice).
    file_id: Mapped[str | None] = mapped_column(Sealed)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                      index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebChatFileRow(Base):
    """A photo a customer sent in the web chat (bot/channels/webchat_upload.py), kept for the
    photo reader to fetch, deleted once it is a day old."""

    __tablename__ = "bot_webchat_files"
    # Derived from the chat and the upload's frame id: the same upload sent again is one file.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    # The image's bytes, encrypted (None when no configured key reads them). Loaded only
    # when asked for.
    data: Mapped[bytes | None] = mapped_column(SealedBytes, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)


class DeliveredEvent(Base):
    """A pushed event already shown (a re-sent push is not shown twice)."""

    __tablename__ = "bot_delivered_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PushNonce(Base):
    """A signed push's nonce, kept until its signature would be refused as stale anyway."""

    __tablename__ = "bot_push_nonces"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
