"""Return-visit surveys (回访): made when a ticket is resolved, answered in the chat, reminded
once, expired.

- A ticket's survey is made the first time it becomes `resolved` (`ticket_status_changed` is
  the ticket lifecycle's `follow_up` hook, run inside its status change's transaction), once per ticket, unless its
  customer opted out of surveys; the `survey_request` push is queued after the ticket's
  status message, so the customer hears "resolved" first. A ticket cancelled later (after a
  reopen) has its open survey expired.
- Each answer is recorded once: a second answer to the same question (a double press, a late
  answer, an answer to an expired survey) changes nothing.
- A survey is `answered` when solved and rating (and, for installations, explained_usage) are
  in; the comment is optional and asked last.

Reopening a ticket the customer says is not solved goes through the ticket lifecycle: see
`backend.surveys.flows`. Nothing here commits unless it says so.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers import service as customer_service
from backend.customers.enums import Channel
from backend.customers.models import Customer
from backend.kernel.database import rowcount
from backend.kernel.pushes import SurveyReminder, SurveyRequest
from backend.notifications import service as notification_service
from backend.surveys.enums import (
    INSTALLATION_ONLY,
    LOW_RATINGS,
    QUESTION_ORDER,
    Question,
    SurveyEventKind,
    SurveyState,
)
from backend.surveys.models import Survey
from backend.tickets import lifecycle
from backend.tickets.enums import TicketStatus, TicketType
from backend.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)


# ---- questions ------------------------------------------------------------------------------

def questions_for(ticket_type: str) -> tuple[Question, ...]:
    """The questions of a ticket's survey, in the order they are asked."""
    if ticket_type == TicketType.installation:
        return QUESTION_ORDER
    return tuple(q for q in QUESTION_ORDER if q not in INSTALLATION_ONLY)


def required_questions(ticket_type: str) -> tuple[Question, ...]:
    """The answers that make a survey `answered` (all but the comment)."""
    return tuple(q for q in questions_for(ticket_type) if q != Question.comment)


def next_question(survey: Survey, ticket_type: str) -> Question | None:
    """The first question not answered yet; None when all are, or the survey expired."""
    if survey.state == SurveyState.expired:
        return None
    for question in questions_for(ticket_type):
        if getattr(survey, question) is None:
            return question
    return None


def record(*, survey: Survey, ticket_type: str, question: Question, value: bool | int | str,
           now: datetime) -> bool:
    """Write one answer (already validated: bool, int 1-5 or str) if it may be written: the
    survey has not expired, the question is one of this survey's, and it has no answer yet.
    Sets `follow_up` for a low rating and moves the survey to `answered` when the required
    answers are in. Returns whether anything was written."""
    if survey.state == SurveyState.expired or question not in questions_for(ticket_type):
        return False
    if getattr(survey, question) is not None:
        return False
    setattr(survey, question, value)
    if question == Question.rating and value in LOW_RATINGS:
        survey.follow_up = True
    if survey.state == SurveyState.open and all(
        getattr(survey, q) is not None for q in required_questions(ticket_type)
    ):
        survey.state, survey.answered_at = SurveyState.answered, now
    return True


# ---- made when a ticket is resolved ---------------------------------------------------------

def survey_push(survey: Survey, ticket: Ticket, customer: Customer | None,
                model: type[SurveyRequest | SurveyReminder]) -> SurveyRequest | SurveyReminder:
    """What the bot gets to start (or remind of) the survey in the ticket's chat."""
    return model(survey_id=survey.id, ticket_number=ticket.number, ticket_type=ticket.type,
                 channel=ticket.channel, chat_id=ticket.chat_id,
                 language=(customer.language if customer is not None else None)
                 or ticket.language)


async def ticket_status_changed(*, db_session: AsyncSession, ticket: Ticket,
                                status: TicketStatus, now: datetime) -> Survey | None:
    """The ticket lifecycle's `follow_up` hook, inside its status change's transaction (after
    the status message was queued): on `resolved`, make the ticket's survey and queue its request (once
    per ticket; not for a customer who opted out); on `cancelled`, expire its open survey.
    Returns the survey made, if any."""
    if status == TicketStatus.cancelled:
        await db_session.execute(
            update(Survey).where(Survey.ticket_id == ticket.id,
                                 Survey.state == SurveyState.open)
            .values(state=SurveyState.expired)
        )
        return None
    if status != TicketStatus.resolved:
        return None
    existing = await db_session.execute(select(Survey.id).where(Survey.ticket_id == ticket.id))
    if existing.first() is not None:
        return None  # resolved again after a reopen: one survey per ticket
    customer = await db_session.get(Customer, ticket.customer_id)
    if customer is not None and customer.survey_opt_out:
        return None
    survey = Survey(ticket_id=ticket.id, state=SurveyState.open, created_at=now,
                    follow_up=False)
    db_session.add(survey)
    await db_session.flush()  # its id, for the push; the status message's row goes first
    notification_service.enqueue(db_session=db_session, ticket_id=ticket.id, now=now,
                                 push=survey_push(survey, ticket, customer, SurveyRequest))
    log.info("ticket %s: survey %d requested", ticket.number, survey.id)
    return survey


# ---- the customer's side --------------------------------------------------------------------

async def lock_for_customer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                            survey_id: int) -> tuple[Survey, Ticket] | None:
    """The survey and its ticket, both locked for update until commit (PostgreSQL) and read
    afresh, if the ticket belongs to the customer behind this chat; None otherwise (missing or
    someone else's alike). The ticket is locked first, then the survey: the order in which the
    ticket lifecycle (holding the ticket) reaches the survey, so the two never deadlock."""
    customer = await customer_service.get_by_chat(db_session=db_session, channel=channel,
                                                  chat_id=chat_id)
    if customer is None:
        return None
    of_survey = select(Survey.ticket_id).where(Survey.id == survey_id).scalar_subquery()
    ticket = await lifecycle.lock(db_session=db_session, customer_id=customer.id,
                                  where=[Ticket.id == of_survey], fresh=True)
    if ticket is None:
        return None
    survey = (await db_session.execute(
        select(Survey).where(Survey.id == survey_id)
        .with_for_update().execution_options(populate_existing=True)
    )).scalar_one()
    return survey, ticket


async def opt_out(*, db_session: AsyncSession, channel: Channel | str, chat_id: str) -> bool:
    """The customer behind this chat wants no more surveys: remember it, and expire their open
    ones. False if we do not know the chat (nothing to opt out of). Commits."""
    customer = await customer_service.get_by_chat(db_session=db_session, channel=channel,
                                                  chat_id=chat_id)
    if customer is None:
        await db_session.rollback()
        return False
    customer.survey_opt_out = True
    own_tickets = select(Ticket.id).where(Ticket.customer_id == customer.id)
    await db_session.execute(
        update(Survey).where(Survey.state == SurveyState.open, Survey.ticket_id.in_(own_tickets))
        .values(state=SurveyState.expired)
    )
    await db_session.commit()
    log.info("customer %d opted out of surveys", customer.id)
    return True


# ---- staff's side ---------------------------------------------------------------------------

async def follow_ups(*, db_session: AsyncSession, since: datetime,
                     limit: int) -> list[tuple[TicketEvent, Ticket, Survey]]:
    """The return visits staff must follow up, newest first: each `survey_not_solved` and
    `survey_low_rating` event since `since`, with its ticket and survey."""
    statement = (
        select(TicketEvent, Ticket, Survey)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Survey, Survey.ticket_id == Ticket.id)
        .where(TicketEvent.kind.in_([str(kind) for kind in SurveyEventKind]),
               TicketEvent.created_at >= since)
        .order_by(TicketEvent.created_at.desc(), TicketEvent.id.desc()).limit(limit)
    )
    return [(event, ticket, survey)
            for event, ticket, survey in (await db_session.execute(statement)).all()]


# ---- the worker's side ----------------------------------------------------------------------

async def expire_overdue(*, db_session: AsyncSession, now: datetime,
                         expiry: timedelta) -> int:
    """Expire the surveys still open `expiry` after they were sent. Returns how many."""
    result = await db_session.execute(
        update(Survey).where(Survey.state == SurveyState.open,
                             Survey.created_at <= now - expiry)
        .values(state=SurveyState.expired)
    )
    return rowcount(result) or 0


async def remind_due(*, db_session: AsyncSession, now: datetime, after: timedelta,
                     limit: int) -> int:
    """Queue ONE reminder for up to `limit` open surveys that got no answer at all in `after`
    (a survey answered in part is not reminded: the bot would start it again from the first
    question). Surveys taken by another worker are skipped (PostgreSQL). Returns how many."""
    statement = (
        select(Survey, Ticket, Customer)
        .join(Survey.ticket).join(Customer, Customer.id == Ticket.customer_id)
        .where(Survey.state == SurveyState.open, Survey.reminded_at.is_(None),
               Survey.created_at <= now - after, Customer.survey_opt_out.is_(False),
               *(getattr(Survey, question).is_(None) for question in Question))
        .order_by(Survey.id).limit(limit)
        .with_for_update(skip_locked=True, of=Survey)
    )
    rows = (await db_session.execute(statement)).all()
    for survey, ticket, customer in rows:
        survey.reminded_at = now
        notification_service.enqueue(db_session=db_session, ticket_id=ticket.id, now=now,
                                     push=survey_push(survey, ticket, customer, SurveyReminder))
        log.info("ticket %s: survey %d reminded", ticket.number, survey.id)
    return len(rows)
