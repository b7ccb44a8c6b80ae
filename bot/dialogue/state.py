"""Conversation state, persisted per chat, so a restart mid-conversation loses nothing.

The bot keeps its own small database (SQLite by default, PostgreSQL in production through
BOT_DATABASE_URL):
- one row per chat with the conversation as JSON;
- the ids of the updates already handled (a redelivered Telegram update is ignored);
- the inbox: updates received but not yet handled. A channel stores an update here before it
  confirms it to Telegram, so a bot killed mid-turn handles it after the restart;
- the outbox of replies: a turn's replies are saved in the same transaction as its state and
  sent afterwards, so a crash between the two sends them after the restart;
- submissions waiting for the backend: a form the backend could not take, retried with the
  same idempotency key until it is a ticket;
- the ids of the pushed events already shown (a re-sent push is not shown twice).

What customers wrote (conversations, updates, replies, held submissions) is encrypted at rest
with the backend's FIELD_ENCRYPTION_KEYS; a conversation no configured key can read any more
(an old key removed) starts afresh.

On PostgreSQL a turn locks its chat's row: several bot processes (webhook workers) can serve
the same bot, and one chat's turns still happen one at a time, in order.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.clock import utcnow
from backend.crypto import DecryptionError, EncryptedString
from backend.database import make_engine
from bot.dialogue.types import Button, Reply

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
    # "Did you mean …?" asked: {"text": the words to act on once the customer chooses}.
    guess: dict | None = None
    # What the last answer was about ({"product", "error_code"}): a repair asked for right
    # after an answer on E4 of the dishwasher does not ask for them again.
    context: dict | None = None

    def to_json(self) -> str:
        return json.dumps({"language": self.language,
                           "form": asdict(self.form) if self.form else None,
                           "survey": self.survey, "with_staff": self.with_staff,
                           "guess": self.guess, "context": self.context},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, channel: str, chat_id: str, raw: str) -> Conversation:
        data = json.loads(raw)
        form = Form(**data["form"]) if data.get("form") else None
        return cls(channel=channel, chat_id=chat_id, language=data.get("language"), form=form,
                   survey=data.get("survey"), with_staff=data.get("with_staff", False),
                   guess=data.get("guess"), context=data.get("context"))


class Base(DeclarativeBase):
    pass


class Sealed(EncryptedString):
    """Encrypted at rest; None when no configured key reads it."""

    cache_ok = True

    def process_result_value(self, value: str | None, dialect) -> str | None:
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


class DeliveredEvent(Base):
    __tablename__ = "bot_delivered_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Submission:
    idempotency_key: str
    channel: str
    chat_id: str
    form: str
    language: str
    ticket: dict
    attempts: int


def reply_to_json(reply: Reply) -> str:
    return json.dumps({"text": reply.text,
                       "buttons": [[[b.label, b.data] for b in row] for row in reply.buttons]},
                      ensure_ascii=False)


def reply_from_json(raw: str) -> Reply:
    data = json.loads(raw)
    return Reply(data["text"], [[Button(label, value) for label, value in row]
                                for row in data["buttons"]])


class ConversationStore:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):
            database = url.split("///", 1)[-1]
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        # The backend's engine settings: on SQLite every transaction takes the write lock at
        # its start and waits for it (two deferred transactions that both read, then both
        # write, deadlock: "database is locked"). A turn therefore reads in one short
        # transaction and saves in another (`turn`), so turns of different chats overlap.
        self._engine = make_engine(url)
        self._locking = self._engine.dialect.name == "postgresql"
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    async def close(self) -> None:
        await self._engine.dispose()

    async def load(self, channel: str, chat_id: str) -> Conversation:
        async with self._sessions() as session:
            row = await session.get(ConversationRow, (channel, chat_id))
        if row is None or row.state is None:
            return Conversation(channel=channel, chat_id=chat_id)
        return Conversation.from_json(channel, chat_id, row.state)

    async def _chat_row(self, session: AsyncSession, channel: str,
                        chat_id: str) -> ConversationRow | None:
        """The chat's row; on PostgreSQL created if missing and locked until the transaction
        ends (another process's turn for this chat waits)."""
        if not self._locking:
            return await session.get(ConversationRow, (channel, chat_id))
        await session.execute(pg_insert(ConversationRow).values(
            channel=channel, chat_id=chat_id, state=Conversation(channel, chat_id).to_json(),
            updated_at=utcnow(),
        ).on_conflict_do_nothing())
        return await session.get(ConversationRow, (channel, chat_id), with_for_update=True,
                                 populate_existing=True)

    @asynccontextmanager
    async def turn(
        self, channel: str, chat_id: str, update_id: str | None,
        outgoing: list[Reply] | None = None,
    ) -> AsyncIterator[Conversation | None]:
        """One turn of a conversation: yields its state (None when this update was already
        handled) and saves it when the turn ends, in one transaction with the update's id (no
        longer in the inbox) and, when `outgoing` is given, the replies in it by then."""
        async with self._sessions() as session:
            row = await self._chat_row(session, channel, chat_id)
            if update_id is not None and await session.get(
                ProcessedUpdate, (channel, update_id)
            ):
                yield None
                return
            conversation = (Conversation.from_json(channel, chat_id, row.state)
                            if row and row.state else Conversation(channel, chat_id))
            if not self._locking:
                # SQLite: not holding the database while the turn talks to Rasa and the
                # backend (one bot process; the engine orders a chat's turns itself).
                await session.commit()
            yield conversation
            await self._save(session, conversation, row, update_id, outgoing or [])

    async def _save(self, session: AsyncSession, conversation: Conversation,
                    row: ConversationRow | None, update_id: str | None,
                    outgoing: list[Reply]) -> None:
        channel, chat_id = conversation.channel, conversation.chat_id
        if row is None:
            session.add(ConversationRow(channel=channel, chat_id=chat_id,
                                        state=conversation.to_json()))
        else:
            row.state = conversation.to_json()
            row.updated_at = utcnow()
        if update_id is not None:
            session.add(ProcessedUpdate(channel=channel, update_id=update_id))
            await session.execute(delete(InboxRow).where(
                InboxRow.channel == channel, InboxRow.update_id == update_id))
        session.add_all(OutgoingRow(channel=channel, chat_id=chat_id,
                                    reply=reply_to_json(reply)) for reply in outgoing)
        try:
            await session.commit()
        except IntegrityError:
            # Another worker handled the same update at the same moment: its turn stands.
            await session.rollback()

    # ---- inbox -------------------------------------------------------------------------

    async def receive(self, channel: str, chat_id: str, update_id: str, payload: str) -> bool:
        """Keep an update until it is handled. False when it was received or handled before."""
        async with self._sessions() as session:
            if await session.get(ProcessedUpdate, (channel, update_id)):
                return False
            session.add(InboxRow(channel=channel, chat_id=chat_id, update_id=update_id,
                                 payload=payload))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return False
        return True

    async def inbox(self, channel: str, chat_id: str | None = None) -> list[tuple[str, str]]:
        """Updates waiting to be handled, oldest first: [(chat_id, payload)]."""
        query = select(InboxRow.chat_id, InboxRow.payload).where(InboxRow.channel == channel)
        if chat_id is not None:
            query = query.where(InboxRow.chat_id == chat_id)
        async with self._sessions() as session:
            return [tuple(r) for r in (await session.execute(query.order_by(InboxRow.seq)))]

    # ---- outbox of replies --------------------------------------------------------------

    async def enqueue(self, channel: str, chat_id: str, replies: list[Reply]) -> None:
        async with self._sessions() as session:
            session.add_all(OutgoingRow(channel=channel, chat_id=chat_id,
                                        reply=reply_to_json(reply)) for reply in replies)
            await session.commit()

    async def chats_with_outgoing(self, channel: str) -> list[str]:
        async with self._sessions() as session:
            return list((await session.execute(
                select(OutgoingRow.chat_id).where(OutgoingRow.channel == channel).distinct()
            )).scalars())

    async def send_outgoing(self, channel: str, chat_id: str, send) -> int:
        """Show a chat's saved replies in order with `send(reply)`, each deleted once shown.
        Stops at the first failure (the rest wait for the next call). Returns how many."""
        shown = 0
        while True:
            async with self._sessions() as session:
                await self._chat_row(session, channel, chat_id)
                row = (await session.execute(
                    select(OutgoingRow).where(OutgoingRow.channel == channel,
                                              OutgoingRow.chat_id == chat_id)
                    .order_by(OutgoingRow.seq).limit(1)
                )).scalar_one_or_none()
                if row is None:
                    await session.commit()
                    return shown
                await send(reply_from_json(row.reply))
                await session.delete(row)
                await session.commit()
                shown += 1

    # ---- submissions waiting for the backend -------------------------------------------

    async def hold_submission(self, submission: Submission, retry_at: datetime) -> None:
        async with self._sessions() as session:
            row = await session.get(SubmissionRow, submission.idempotency_key)
            if row is None:
                session.add(SubmissionRow(
                    idempotency_key=submission.idempotency_key, channel=submission.channel,
                    chat_id=submission.chat_id, form=submission.form,
                    language=submission.language, ticket=json.dumps(submission.ticket),
                    attempts=submission.attempts, next_attempt_at=retry_at))
            else:
                row.attempts, row.next_attempt_at = submission.attempts, retry_at
            await session.commit()

    async def due_submissions(self, now: datetime) -> list[Submission]:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(SubmissionRow).where(SubmissionRow.next_attempt_at <= now)
                .order_by(SubmissionRow.next_attempt_at)
            )).scalars()
            return [Submission(r.idempotency_key, r.channel, r.chat_id, r.form, r.language,
                               json.loads(r.ticket), r.attempts) for r in rows]

    async def drop_submission(self, idempotency_key: str) -> None:
        async with self._sessions() as session:
            await session.execute(delete(SubmissionRow).where(
                SubmissionRow.idempotency_key == idempotency_key))
            await session.commit()

    # ---- pushes ------------------------------------------------------------------------

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
