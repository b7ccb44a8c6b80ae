"""Answering a survey: record the answer and, when the customer says the problem is not
solved, reopen the ticket through the ticket lifecycle (its status change and event in the same
transaction as the answer; no status message: the bot's reply to the answer tells the customer,
so they read one message, not two). "Not solved" and a low rating alert staff at once: the
ticket's record (the console), and the staff chat (`staff_alert_chat_id`) through the outbox,
as SLA breaches do."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.kernel.database import utcnow
from backend.surveys import service as survey_service
from backend.surveys.enums import LOW_RATINGS, Question, SurveyEventKind
from backend.tickets import escalation, lifecycle
from backend.tickets.enums import TicketStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnswerResult:
    survey_id: int
    recorded: bool  # False: answered before (or expired, or not a question of this survey)
    next: Question | None  # what to ask next; None: nothing more
    reopened: bool = False  # the ticket went back to `reopened` (no status message)
    alerted: bool = False  # a staff alert is queued


async def answer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                 survey_id: int, question: Question, value: bool | int | str,
                 now: datetime | None = None,
                 alert_chat_id: str | None = None) -> AnswerResult | None:
    """Record the customer's answer, once. `solved=False` reopens a resolved ticket (as the
    customer, without a status message) and leaves a `survey_not_solved` event for staff; a
    rating of 1-2 marks the survey for follow-up and leaves a `survey_low_rating` event for
    supervisors. Either also alerts the staff chat `alert_chat_id`, if given. None if the
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

    actor = lifecycle.customer_actor(channel, chat_id)
    alert = None
    if question == Question.rating and value in LOW_RATINGS:
        lifecycle.record(db_session, ticket, SurveyEventKind.survey_low_rating, actor=actor,
                         note=f"rating {value}/5: follow up", now=now)
        alert = f"回访差评：{value}/5 星，请跟进"
    reopen = question == Question.solved and value is False
    if reopen:
        lifecycle.record(db_session, ticket, SurveyEventKind.survey_not_solved, actor=actor,
                         note="return visit: not solved", now=now)
        # Only a resolved ticket can go back (a closed one is final; a reopened one is
        # being worked on already): staff see the event either way.
        reopen = ticket.status == TicketStatus.resolved
        alert = "回访：客户表示问题未解决" + ("，工单已重新打开" if reopen else "，请跟进")
    if alert:  # (the staff chat's `staff_alert`, like an escalation's)
        escalation.alert(db_session=db_session, ticket=ticket, text=alert, chat_id=alert_chat_id,
                         now=now)
    if reopen:
        await lifecycle.set_status(db_session=db_session, ticket=ticket,
                                   status=TicketStatus.reopened, note=None, actor=actor,
                                   notify=False)  # commits the answer
    else:
        await db_session.commit()
    log.info("survey %d: %s recorded%s", survey_id, question,
             " (ticket reopened)" if reopen else "")
    return AnswerResult(survey_id=survey_id, recorded=True, next=following, reopened=reopen,
                        alerted=bool(alert and alert_chat_id))
