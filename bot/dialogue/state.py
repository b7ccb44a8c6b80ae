"""Conversation state, persisted per chat, so a restart mid-conversation loses nothing.

The bot keeps its own small database (SQLite by default, PostgreSQL in production through
BOT_DATABASE_URL): one row per chat with the conversation as JSON, the ids of the updates
already handled (a redelivered Telegram update is ignored) and the ids of the pushed events
already shown to the customer (a re-sent push is not shown twice).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, String, Text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CONFIRM = "confirm"  # the form's last step: the summary with submit / change / cancel


@dataclass
class Form:
    """A form being filled in: which one, its answers so far, and what is being asked."""

    name: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    slots: dict[str, str] = field(default_factory=dict)
    asking: str | None = None
    failures: int = 0
    # Photos and files sent while the form is open: {"kind", "file_id", "channel"}.
    attachments: list[dict] = field(default_factory=list)
    # True while the customer corrects one field from the summary.
    editing: bool = False


@dataclass
class Conversation:
    channel: str
    chat_id: str
    language: str | None = None
    form: Form | None = None
    # The return-visit survey waiting for a typed comment: {"id", "ticket", "type"}.
    survey: dict | None = None
    # Queued for or talking to staff: the bot stays silent and passes messages on.
    with_staff: bool = False

    def to_json(self) -> str:
        return json.dumps({"language": self.language,
                           "form": asdict(self.form) if self.form else None,
                           "survey": self.survey, "with_staff": self.with_staff},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, channel: str, chat_id: str, raw: str) -> Conversation:
        data = json.loads(raw)
        form = Form(**data["form"]) if data.get("form") else None
        return cls(channel=channel, chat_id=chat_id, language=data.get("language"), form=form,
                   survey=data.get("survey"), with_staff=data.get("with_staff", False))


class Base(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class ConversationRow(Base):
    __tablename__ = "bot_conversations"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ProcessedUpdate(Base):
    __tablename__ = "bot_processed_updates"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DeliveredEvent(Base):
    __tablename__ = "bot_delivered_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ConversationStore:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):
            database = url.split("///", 1)[-1]
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_async_engine(url)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    async def close(self) -> None:
        await self._engine.dispose()

    async def load(self, channel: str, chat_id: str) -> Conversation:
        async with self._sessions() as session:
            row = await session.get(ConversationRow, (channel, chat_id))
        if row is None:
            return Conversation(channel=channel, chat_id=chat_id)
        return Conversation.from_json(channel, chat_id, row.state)

    @asynccontextmanager
    async def turn(
        self, channel: str, chat_id: str, update_id: str | None
    ) -> AsyncIterator[Conversation | None]:
        """One turn of a conversation: yields its state (None when this update was already
        handled) and saves it, together with the update's id, when the turn ends."""
        async with self._sessions() as session:
            if update_id is not None and await session.get(
                ProcessedUpdate, (channel, update_id)
            ):
                yield None
                return
            row = await session.get(ConversationRow, (channel, chat_id))
            conversation = (Conversation.from_json(channel, chat_id, row.state) if row
                            else Conversation(channel=channel, chat_id=chat_id))
            yield conversation
            await self._save(session, conversation, row, update_id)

    async def _save(self, session: AsyncSession, conversation: Conversation,
                    row: ConversationRow | None, update_id: str | None) -> None:
        if row is None:
            session.add(ConversationRow(channel=conversation.channel,
                                        chat_id=conversation.chat_id,
                                        state=conversation.to_json()))
        else:
            row.state = conversation.to_json()
            row.updated_at = _now()
        if update_id is not None:
            session.add(ProcessedUpdate(channel=conversation.channel, update_id=update_id))
        try:
            await session.commit()
        except IntegrityError:
            # Another worker handled the same update at the same moment: its turn stands.
            await session.rollback()

    async def event_delivered(self, event_id: str) -> bool:
        async with self._sessions() as session:
            return await session.get(DeliveredEvent, event_id) is not None

    async def mark_event_delivered(self, event_id: str) -> None:
        async with self._sessions() as session:
            session.add(DeliveredEvent(event_id=event_id))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
