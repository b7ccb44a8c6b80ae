"""Answering a survey: record the answer and, when the customer says the problem is not
solved, reopen the ticket through the tickets service (its status change, event and status
message in the same transaction as the answer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.database import utcnow
from backend.surveys import service as survey_service
from backend.surveys.enums import LOW_RATINGS, Question, SurveyEventKind
from backend.tickets import service as ticket_service
from backend.tickets.enums import TicketStatus
from backend.tickets.models import TicketEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnswerResult:
    survey_id: int
    recorded: bool  # False: answered before (or expired, or not a question of this survey)
    next: Question | None  # what to ask next; None: nothing more
    reopened: bool = False  # the ticket went back to `reopened` (a status message is queued)


async def answer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                 survey_id: int, question: Question, value: bool | int | str,
                 now: datetime | None = None) -> AnswerResult | None:
    """Record the customer's answer, once. `solved=False` reopens a resolved ticket (as the
    customer) and leaves a `survey_not_solved` event for staff; a rating of 1-2 marks the
    survey for follow-up and leaves a `survey_low_rating` event for supervisors. None if the
    survey is not one of this customer's tickets'. Commits."""
    now = now or utcnow()
    found = await survey_service.lock_for_customer(db_session=db_session, channel=channel,
                                                   chat_id=chat_id, survey_id=survey_id)
    if found is None:
        await db_session.rollback()
        return None
    survey, ticket = found
    recorded = survey_service.record(survey=survey, ticket_type=ticket.type, question=question,
                                     value=value, now=now)
    following = survey_service.next_question(survey, ticket.type)
    if not recorded:
        await db_session.rollback()
        return AnswerResult(survey_id=survey_id, recorded=False, next=following)

    actor = ticket_service.customer_actor(channel, chat_id)
    if question == Question.rating and value in LOW_RATINGS:
        db_session.add(TicketEvent(ticket_id=ticket.id, kind=SurveyEventKind.survey_low_rating,
                                   actor=actor, note=f"rating {value}/5: follow up",
                                   created_at=now))
    reopen = question == Question.solved and value is False
    if reopen:
        db_session.add(TicketEvent(ticket_id=ticket.id, kind=SurveyEventKind.survey_not_solved,
                                   actor=actor, note="return visit: not solved",
                                   created_at=now))
        # Only a resolved ticket can go back (a closed one is final; a reopened one is
        # being worked on already): staff see the event either way.
        reopen = ticket.status == TicketStatus.resolved
    if reopen:
        await ticket_service.change_status(db_session=db_session, number=ticket.number,
                                           status=TicketStatus.reopened, note=None,
                                           actor=actor)  # commits the answer with it
    else:
        await db_session.commit()
    log.info("survey %d: %s recorded%s", survey_id, question,
             " (ticket reopened)" if reopen else "")
    return AnswerResult(survey_id=survey_id, recorded=True, next=following, reopened=reopen)
