"""Outlet routes: staff read outlets, admins keep them, dispatchers confirm or override a
ticket's outlet. Thin: validation in schemas, work in service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from backend.deps import SessionDep, StaffUser, require_roles
from backend.errors import NotFound
from backend.knowledge.enums import canonical_city
from backend.outlets import service as outlet_service
from backend.outlets.schemas import OutletChoice, OutletIn, OutletOut, OutletPage
from backend.staff.enums import ALL_ROLES, Role
from backend.text import NoControl
from backend.tickets import service as ticket_service
from backend.tickets.schemas import TicketDetail

router = APIRouter(prefix="/api/v1", tags=["outlets"])

NOT_FOUND = "no such outlet"
NO_TICKET = "no such ticket"

StaffReader = Annotated[StaffUser, require_roles(*ALL_ROLES)]
Admin = Annotated[StaffUser, require_roles(Role.admin)]
Dispatcher = Annotated[StaffUser, require_roles(Role.dispatcher, Role.supervisor, Role.admin)]
OutletId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/outlets", response_model=OutletPage)
async def list_outlets(db_session: SessionDep, _: StaffReader,
                       city: Annotated[str | None, Query(max_length=50), NoControl] = None,
                       active: bool | None = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100,
                       offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> OutletPage:
    """Outlets by city (any spelling: 臺北, Taipei) and whether active (staff)."""
    outlets, total = await outlet_service.list_outlets(
        db_session=db_session, city=canonical_city(city) if city else None, active=active,
        limit=limit, offset=offset,
    )
    return OutletPage(items=[OutletOut.model_validate(o) for o in outlets], total=total,
                      limit=limit, offset=offset)


@router.get("/outlets/{outlet_id}", response_model=OutletOut,
            responses={404: {"description": NOT_FOUND}})
async def get_outlet(outlet_id: OutletId, db_session: SessionDep, _: StaffReader) -> OutletOut:
    outlet = await outlet_service.get(db_session=db_session, outlet_id=outlet_id)
    if outlet is None:
        raise NotFound(NOT_FOUND)
    return OutletOut.model_validate(outlet)


@router.post("/outlets", status_code=status.HTTP_201_CREATED, response_model=OutletOut)
async def create_outlet(data: OutletIn, db_session: SessionDep, _: Admin) -> OutletOut:
    """Add an outlet (admin)."""
    return OutletOut.model_validate(await outlet_service.create(db_session=db_session,
                                                                data=data))


@router.put("/outlets/{outlet_id}", response_model=OutletOut,
            responses={404: {"description": NOT_FOUND}})
async def replace_outlet(outlet_id: OutletId, data: OutletIn, db_session: SessionDep,
                         _: Admin) -> OutletOut:
    """Replace every field of an outlet (admin)."""
    outlet = await outlet_service.update(db_session=db_session, outlet_id=outlet_id, data=data)
    if outlet is None:
        raise NotFound(NOT_FOUND)
    return OutletOut.model_validate(outlet)


@router.delete("/outlets/{outlet_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={404: {"description": NOT_FOUND}})
async def delete_outlet(outlet_id: OutletId, db_session: SessionDep, _: Admin) -> Response:
    """Deactivate an outlet (admin): it is proposed for nothing from now on; tickets keep
    referring to it."""
    if not await outlet_service.deactivate(db_session=db_session, outlet_id=outlet_id):
        raise NotFound(NOT_FOUND)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/tickets/{number}/outlet", response_model=TicketDetail,
             responses={404: {"description": NO_TICKET},
                        409: {"description": "the ticket is not open"},
                        422: {"description": "no active outlet with that id"}})
async def choose_outlet(number: str, choice: OutletChoice, db_session: SessionDep,
                        staff: Dispatcher) -> TicketDetail:
    """Confirm the ticket's proposed outlet, or choose another (dispatcher, supervisor, admin).
    Recorded as an `outlet_assigned` event; not told to the customer."""
    ticket = await outlet_service.assign(db_session=db_session, number=number,
                                         outlet_id=choice.outlet_id, actor=staff.actor)
    if ticket is None:
        raise NotFound(NO_TICKET)
    ticket = await ticket_service.get_by_number(db_session=db_session, number=ticket.number,
                                                with_events=True)
    return TicketDetail.model_validate(ticket, from_attributes=True)
