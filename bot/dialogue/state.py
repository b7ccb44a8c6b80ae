"""Conversation state, persisted per chat, so a restart mid-conversation loses nothing.

The bot keeps its own small database (SQLite by default, PostgreSQL in production through
BOT_DATABASE_URL; engine, tables and migrations in `bot.storage`). `ConversationStore` keeps:
- one row per chat with the conversation as JSON;
- the ids of the updates already handled (a redelivered Telegram update is ignored);
- the inbox: updates received but not yet handled. A channel stores an update here before it
  confirms it to Telegram, so a bot killed mid-turn handles it after the restart;
- the outbox of replies: a turn's replies are saved in the same transaction as its state and
  sent afterwards, so a crash between the two sends them after the restart;
- submissions waiting for the backend: a form the backend could not take, retried with the
  same idempotency key until it is a ticket; photos waiting to be read (bot/photos.py);
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
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import Enum

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.clock import utcnow
from bot.dialogue.types import Button, Reply
from bot.language import DEFAULT_LANGUAGE
from bot.storage.database import BotStorage
from bot.storage.migrate import upgrade_storage
from bot.storage.models import (
    ConversationRow,
    DeliveredEvent,
    InboxRow,
    OutgoingRow,
    PhotoJobRow,
    ProcessedUpdate,
    SubmissionRow,
)

CONFIRM = "confirm"  # the form's last step: the summary with submit / change / cancel
# The form's name while the bot waits for the new time of a visit staff booked.
APPOINTMENT_CHANGE = "appointment_change"


class Mode(Enum):
    """What the conversation is in the middle of: what a message is read as first."""

    WITH_STAFF = "with_staff"          # queued for or talking to staff: passed on to them
    AWAITING_TIME = "awaiting_time"    # another time for a booked visit was asked for
    IN_FORM = "in_form"                # a form's question is open
    SURVEY_COMMENT = "survey_comment"  # the return visit waits for a typed comment
    GUESS = "guess"                    # "did you mean …?" was asked
    IDLE = "idle"


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
    # A registration's photos: the backend's tokens, sent with it (never asked nor shown).
    photos: list[str] = field(default_factory=list)
    # True while the customer corrects one field from the summary.
    editing: bool = False
    # A repair's or installation's: the customer's registered products ({"id", "category",
    # "brand", "model"}), offered for the product; the one the ticket is about, if any.
    owned: list[dict] = field(default_factory=list)
    product_id: int | None = None


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

    @property
    def lang(self) -> str:
        """The language to answer in (set on the first message; the default before that)."""
        return self.language or DEFAULT_LANGUAGE

    @property
    def mode(self) -> Mode:
        if self.with_staff:
            return Mode.WITH_STAFF
        if self.form is not None:
            return Mode.AWAITING_TIME if self.form.name == APPOINTMENT_CHANGE else Mode.IN_FORM
        if self.survey and self.survey.get("asking") == "comment":
            return Mode.SURVEY_COMMENT
        if self.guess:
            return Mode.GUESS
        return Mode.IDLE

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


@dataclass(frozen=True)
class Submission:
    idempotency_key: str
    channel: str
    chat_id: str
    form: str
    language: str
    ticket: dict
    attempts: int


@dataclass(frozen=True)
class PhotoJob:
    """A photo to read for the register_product form `form_id` (bot/photos.py)."""
    id: str
    channel: str
    chat_id: str
    form_id: str
    file_id: str | None  # None: no configured key reads it any more
    attempts: int = 0


def reply_to_json(reply: Reply) -> str:
    return json.dumps({"text": reply.text,
                       "buttons": [[[b.label, b.data] for b in row] for row in reply.buttons]},
                      ensure_ascii=False)


def reply_from_json(raw: str) -> Reply:
    data = json.loads(raw)
    return Reply(data["text"], [[Button(label, value) for label, value in row]
                                for row in data["buttons"]])


class ConversationStore:
    """The conversations, inbox, outbox of replies, held submissions and shown events, on
    the bot's database: a `BotStorage` shared with the other stores, or a URL (a storage of
    the store's own, closed by `close()`)."""

    def __init__(self, storage: BotStorage | str) -> None:
        self._owns_storage = isinstance(storage, str)
        self._storage = BotStorage(storage) if isinstance(storage, str) else storage
        # The backend's engine settings: on SQLite every transaction takes the write lock at
        # its start and waits for it (two deferred transactions that both read, then both
        # write, deadlock: "database is locked"). A turn therefore reads in one short
        # transaction and saves in another (`turn`), so turns of different chats overlap.
        self._locking = self._storage.is_postgresql
        self._sessions = self._storage.sessions

    async def create_tables(self) -> None:
        """Migrate the database to the latest revision (tests, tools; the bot does it at
        start)."""
        await upgrade_storage(self._storage)

    async def close(self) -> None:
        if self._owns_storage:
            await self._storage.close()

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
            handled = (update_id is not None
                       and await session.get(ProcessedUpdate, (channel, update_id)) is not None)
            if handled:
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
            rows = await session.execute(query.order_by(InboxRow.seq))
            return [(row.chat_id, row.payload) for row in rows]

    # ---- outbox of replies --------------------------------------------------------------

    async def enqueue(self, channel: str, chat_id: str, replies: list[Reply], *,
                      event_id: str | None = None) -> bool:
        """Save replies to show; with the pushed event they show, recorded in the same
        transaction (a bot killed in between can neither lose the push nor show it twice).
        False, and nothing saved, when that event was recorded before."""
        async with self._sessions() as session:
            session.add_all(OutgoingRow(channel=channel, chat_id=chat_id,
                                        reply=reply_to_json(reply)) for reply in replies)
            if event_id is not None:
                session.add(DeliveredEvent(event_id=event_id))
            try:
                await session.commit()
            except IntegrityError:
                if event_id is None:
                    raise
                await session.rollback()
                return False
        return True

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

    async def hold_photo_job(self, job: PhotoJob, at: datetime) -> None:
        """Save a photo to read at `at`, or its next attempt (one job however often saved)."""
        async with self._sessions() as session:
            row = await session.get(PhotoJobRow, job.id) or PhotoJobRow(**asdict(job))
            row.attempts, row.next_attempt_at = job.attempts, at
            session.add(row)
            with suppress(IntegrityError):  # saved by another process at the same moment
                await session.commit()

    async def claim_photo_jobs(self, channels: list[str], now: datetime,
                               until: datetime) -> list[PhotoJob]:
        """Photos due, each put off until `until` for others (a process, this one restarted)."""
        jobs = []
        async with self._sessions() as session:
            due = select(PhotoJobRow).where(PhotoJobRow.next_attempt_at <= now,
                                            PhotoJobRow.channel.in_(channels))
            for row in (await session.execute(due.order_by("next_attempt_at"))).scalars().all():
                claimed = await session.execute(update(PhotoJobRow).values(next_attempt_at=until)
                    .where(PhotoJobRow.id == row.id, PhotoJobRow.next_attempt_at <= now),
                    execution_options={"synchronize_session": False})
                await session.commit()
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    jobs.append(PhotoJob(row.id, row.channel, row.chat_id, row.form_id,
                                         row.file_id, row.attempts))
        return jobs

    async def drop_photo_job(self, job_id: str) -> None:
        async with self._sessions() as session:
            await session.execute(delete(PhotoJobRow).where(PhotoJobRow.id == job_id))
            await session.commit()

    # ---- pushes ------------------------------------------------------------------------

    async def event_delivered(self, event_id: str) -> bool:
        """The pushed event's replies were saved to show (`enqueue` with its id)."""
        async with self._sessions() as session:
            return await session.get(DeliveredEvent, event_id) is not None
