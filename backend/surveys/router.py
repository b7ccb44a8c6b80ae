"""Survey routes: the bot records the customer's answers and opt-out (service). Thin: the work
is in the service and flows (the reminder worker runs in the app's lifespan)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from backend.customers.enums import Channel
from backend.deps import (
    OutboxWakeDep,
    ServiceDep,
    SessionDep,
    SettingsDep,
    StaffUser,
    require_roles,
)
from backend.errors import NotFound
from backend.kernel.database import utcnow
from backend.staff.enums import Role
from backend.surveys import flows as survey_flows
from backend.surveys import service as survey_service
from backend.surveys.enums import SurveyEventKind
from backend.surveys.schemas import AnswerIn, AnswerOut, FollowUpOut

router = APIRouter(prefix="/api/v1", tags=["surveys"])

NOT_FOUND = "no such survey"
# Ids are 32-bit integers in the database: a larger one is a 422, not a database error.
SurveyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CUSTOMER = "/customers/{channel}/{chat_id}"
# Follow-ups are a service manager's (售后服务管理师) job.
FollowUpReader = Annotated[StaffUser, require_roles(Role.supervisor, Role.admin)]


@router.post(f"{CUSTOMER}/surveys/{{survey_id}}/answers", response_model=AnswerOut,
             responses={404: {"description": "no such survey for this customer"}})
async def answer(channel: Channel, chat_id: str, survey_id: SurveyId, data: AnswerIn,
                 db_session: SessionDep, settings: SettingsDep, _: ServiceDep,
                 wake_outbox: OutboxWakeDep) -> AnswerOut:
    """Record one answer of the return visit, once: answering the same question again (a
    double press, a late answer) gives `recorded: false` and changes nothing. `solved: false`
    reopens a resolved ticket (`reopened: true`; no status message: the bot's answer tells the
    customer); it and a rating of 1-2 alert staff (the ticket's record, the staff chat)."""
    result = await survey_flows.answer(db_session=db_session, channel=channel,
                                       chat_id=chat_id, survey_id=survey_id,
                                       question=data.question, value=data.value,
                                       alert_chat_id=settings.staff_alert_chat_id)
    if result is None:
        raise NotFound(NOT_FOUND)
    if result.alerted:
        wake_outbox()
    return AnswerOut(survey_id=result.survey_id, recorded=result.recorded, next=result.next,
                     reopened=result.reopened)


@router.post(f"{CUSTOMER}/survey-opt-out", status_code=status.HTTP_204_NO_CONTENT)
async def opt_out(channel: Channel, chat_id: str, db_session: SessionDep,
                  _: ServiceDep) -> None:
    """The customer wants no more surveys: none is made for their tickets from now on, and
    their open ones expire. Idempotent; a chat we do not know has nothing to opt out of."""
    await survey_service.opt_out(db_session=db_session, channel=channel, chat_id=chat_id)


@router.get("/surveys/follow-ups", response_model=list[FollowUpOut])
async def follow_ups(db_session: SessionDep, _: FollowUpReader,
                     days: Annotated[int, Query(ge=1, le=90)] = 7,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[FollowUpOut]:
    """The return visits to follow up from the last `days`, newest first: customers who said
    the problem is not solved, or rated 1-2 (supervisors, admins). The console polls it."""
    rows = await survey_service.follow_ups(db_session=db_session,
                                           since=utcnow() - timedelta(days=days), limit=limit)
    return [FollowUpOut(ticket_number=ticket.number, ticket_type=ticket.type,
                        ticket_status=ticket.status, reason=SurveyEventKind(event.kind),
                        at=event.created_at, solved=survey.solved, rating=survey.rating,
                        comment=survey.comment)
            for event, ticket, survey in rows]
