"""Survey routes: the bot records the customer's answers and opt-out (service). Thin: the work
is in the service and flows (the reminder worker runs in the app's lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status

from backend.customers.enums import Channel
from backend.deps import OutboxWakeDep, ServiceDep, SessionDep
from backend.surveys import flows as survey_flows
from backend.surveys import service as survey_service
from backend.surveys.schemas import AnswerIn, AnswerOut


router = APIRouter(prefix="/api/v1", tags=["surveys"])

NOT_FOUND = "no such survey"
# Ids are 32-bit integers in the database: a larger one is a 422, not a database error.
SurveyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CUSTOMER = "/customers/{channel}/{chat_id}"


@router.post(f"{CUSTOMER}/surveys/{{survey_id}}/answers", response_model=AnswerOut,
             responses={404: {"description": "no such survey for this customer"}})
async def answer(channel: Channel, chat_id: str, survey_id: SurveyId, data: AnswerIn,
                 db_session: SessionDep, _: ServiceDep, wake_outbox: OutboxWakeDep) -> AnswerOut:
    """Record one answer of the return visit, once: answering the same question again (a
    double press, a late answer) gives `recorded: false` and changes nothing. `solved: false`
    reopens the ticket (the customer hears of it like of any status change); a rating of 1-2
    asks a supervisor to follow up."""
    result = await survey_flows.answer(db_session=db_session, channel=channel,
                                       chat_id=chat_id, survey_id=survey_id,
                                       question=data.question, value=data.value)
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    if result.reopened:
        wake_outbox()
    return AnswerOut(survey_id=result.survey_id, recorded=result.recorded, next=result.next)


@router.post(f"{CUSTOMER}/survey-opt-out", status_code=status.HTTP_204_NO_CONTENT)
async def opt_out(channel: Channel, chat_id: str, db_session: SessionDep,
                  _: ServiceDep) -> None:
    """The customer wants no more surveys: none is made for their tickets from now on, and
    their open ones expire. Idempotent; a chat we do not know has nothing to opt out of."""
    await survey_service.opt_out(db_session=db_session, channel=channel, chat_id=chat_id)
