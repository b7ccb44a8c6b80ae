"""Privacy routes: the customer's own (through the bot) and staff's (supervisors and admins):
everything held about a customer, and its erasure. Thin: the work is in service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from backend.customers.enums import Channel
from backend.deps import ServiceDep, SessionDep, StaffUser, require_roles
from backend.errors import NotFound
from backend.privacy import service as privacy_service
from backend.privacy.enums import CUSTOMER_ACTOR
from backend.privacy.schemas import CustomerExport, ErasureOut
from backend.staff.enums import Role

router = APIRouter(prefix="/api/v1", tags=["privacy"])

PrivacyOfficer = Annotated[StaffUser, require_roles(Role.supervisor, Role.admin)]
CustomerId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NO_CUSTOMER = "no such customer"
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": NO_CUSTOMER}}


def _erasure(erasure: privacy_service.Erasure) -> ErasureOut:
    return ErasureOut.model_validate(erasure, from_attributes=True)


# ---- the customer, in their own chat ---------------------------------------------------------

@router.get("/customers/{channel}/{chat_id}/personal-data", response_model=CustomerExport,
            responses=NOT_FOUND)
async def export_own_data(channel: Channel, chat_id: str, db_session: SessionDep,
                          _: ServiceDep) -> CustomerExport:
    """Everything held about the customer behind this chat (the bot shows it to them)."""
    customer = await privacy_service.customer_of_chat(db_session=db_session, channel=channel,
                                                      chat_id=chat_id)
    if customer is None:
        raise NotFound(NO_CUSTOMER)
    return await privacy_service.export(db_session=db_session, customer=customer,
                                        actor=CUSTOMER_ACTOR)


@router.delete("/customers/{channel}/{chat_id}/personal-data", response_model=ErasureOut,
               responses=NOT_FOUND)
async def erase_own_data(channel: Channel, chat_id: str, db_session: SessionDep,
                         _: ServiceDep) -> ErasureOut:
    """The customer behind this chat has confirmed: erase their personal data (open tickets
    are cancelled; the statistics keep their anonymous rows)."""
    customer = await privacy_service.customer_of_chat(db_session=db_session, channel=channel,
                                                      chat_id=chat_id)
    if customer is None:
        raise NotFound(NO_CUSTOMER)
    return _erasure(await privacy_service.erase(db_session=db_session, customer=customer,
                                                actor=CUSTOMER_ACTOR))


# ---- staff -----------------------------------------------------------------------------------

@router.get("/privacy/customers/{customer_id}", response_model=CustomerExport,
            responses=NOT_FOUND)
async def export_customer(customer_id: CustomerId, db_session: SessionDep,
                          staff: PrivacyOfficer) -> CustomerExport:
    """Everything held about a customer, as JSON (the export is logged with who asked)."""
    customer = await privacy_service.get_customer(db_session=db_session,
                                                  customer_id=customer_id)
    if customer is None:
        raise NotFound(NO_CUSTOMER)
    return await privacy_service.export(db_session=db_session, customer=customer,
                                        actor=staff.actor)


@router.get("/privacy/tickets/{number}/customer", response_model=CustomerExport,
            responses={404: {"description": "no such ticket"}})
async def export_customer_of_ticket(number: Annotated[str, Path(max_length=40)],
                                    db_session: SessionDep,
                                    staff: PrivacyOfficer) -> CustomerExport:
    """The same, for the customer of a ticket (its number in any spelling)."""
    customer = await privacy_service.customer_of_ticket(db_session=db_session, number=number)
    if customer is None:
        raise NotFound("no such ticket")
    return await privacy_service.export(db_session=db_session, customer=customer,
                                        actor=staff.actor)


@router.delete("/privacy/customers/{customer_id}", response_model=ErasureOut,
               responses=NOT_FOUND)
async def erase_customer(customer_id: CustomerId, db_session: SessionDep,
                         staff: PrivacyOfficer) -> ErasureOut:
    """Erase a customer's personal data: open tickets are cancelled, tickets, events and
    surveys stay for the statistics without personal fields, the customer row is marked
    anonymised, and the privacy log records who did it. Repeating it changes nothing."""
    customer = await privacy_service.get_customer(db_session=db_session,
                                                  customer_id=customer_id)
    if customer is None:
        raise NotFound(NO_CUSTOMER)
    return _erasure(await privacy_service.erase(db_session=db_session, customer=customer,
                                                actor=staff.actor))
