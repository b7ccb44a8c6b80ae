"""Spare-parts routes: the catalogue (admins keep it, all staff read it), stock per outlet and
technician (dispatchers and admins move it; supervisors read it; a technician reads their
own), low-stock alerts, the parts fitted and removed on a ticket (its technician, or the desk
naming one), defective parts to their end. Thin: the work is in catalogue, stock, alerts,
usage and defective."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status

from backend.deps import SessionDep, StaffUser, require_roles
from backend.parts import alerts, catalogue, defective, stock, usage
from backend.parts.enums import (
    CATALOGUE_EDITORS,
    CATALOGUE_READERS,
    ON_BEHALF,
    STOCK_KEEPERS,
    STOCK_READERS,
    TICKET_PARTS,
    DefectiveState,
    MovementKind,
    PartKind,
)
from backend.parts.schemas import (
    AlertOut,
    BalanceOut,
    BalancePage,
    DefectiveOut,
    DefectivePage,
    DefectiveStateIn,
    MovementOut,
    MovementPage,
    PartFields,
    PartIn,
    PartOut,
    PartPage,
    ReceiptIn,
    RemovedIn,
    ThresholdIn,
    TicketPartsOut,
    TransferIn,
    UseIn,
    normalised_number,
)
from backend.staff import service as staff_service
from backend.text import NoControl

router = APIRouter(prefix="/api/v1", tags=["parts"])

Reader = Annotated[StaffUser, require_roles(*CATALOGUE_READERS)]
Editor = Annotated[StaffUser, require_roles(*CATALOGUE_EDITORS)]
Keeper = Annotated[StaffUser, require_roles(*STOCK_KEEPERS)]
StockReader = Annotated[StaffUser, require_roles(*STOCK_READERS)]
Desk = Annotated[StaffUser, require_roles(*ON_BEHALF)]
OnTicket = Annotated[StaffUser, require_roles(*TICKET_PARTS)]
PartNumber = Annotated[str, Path(min_length=1, max_length=40), NoControl]
DefectiveId = Annotated[int, Path(ge=1, le=2**31 - 1)]
OutletFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
UsernameFilter = Annotated[str | None, Query(max_length=64), NoControl]
PartFilter = Annotated[str | None, Query(max_length=40), NoControl]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]


def _responses(**codes: str) -> dict[int | str, dict[str, Any]]:
    return {int(code[1:]): {"description": text} for code, text in codes.items()}


NO_PART = _responses(_404="no such part")
REFUSED = "a part, outlet or technician that is not (active), a kind the warranty policies " \
          "contradict, a part that does not fit the ticket's product"
SHORT = "the holder has fewer units than that: stock never goes negative"


# ---- the catalogue ------------------------------------------------------------------------------

@router.get("/parts", response_model=PartPage, responses=_responses(_422="not a category"))
async def search_parts(db_session: SessionDep, _: Reader,
                       q: Annotated[str | None, Query(max_length=100), NoControl] = None,
                       category: Annotated[str | None, Query(max_length=20), NoControl] = None,
                       kind: PartKind | None = None, active: bool | None = None,
                       limit: Limit = 50, offset: Offset = 0) -> PartPage:
    """Parts whose number or a name (any language) contains `q`, of a category (any
    spelling), of a kind, by part number (staff)."""
    parts, total = await catalogue.search(db_session=db_session, q=q, category=category,
                                          kind=kind, active=active, limit=limit, offset=offset)
    return PartPage(items=[PartOut.model_validate(p) for p in parts], total=total, limit=limit,
                    offset=offset)


@router.get("/parts/{part_number}", response_model=PartOut, responses=NO_PART)
async def get_part(part_number: PartNumber, db_session: SessionDep, _: Reader) -> PartOut:
    return PartOut.model_validate(await catalogue.get(db_session=db_session,
                                                      number=part_number))


@router.post("/parts", response_model=PartOut, status_code=status.HTTP_201_CREATED,
             responses=_responses(_409="a part of that number exists", _422=REFUSED))
async def add_part(data: PartIn, db_session: SessionDep, staff: Editor) -> PartOut:
    """Add a part to the catalogue (admin)."""
    return PartOut.model_validate(await catalogue.create(db_session=db_session, data=data,
                                                         actor=staff.actor))


@router.put("/parts/{part_number}", response_model=PartOut,
            responses={**NO_PART, **_responses(_422=REFUSED)})
async def replace_part(part_number: PartNumber, data: PartFields, db_session: SessionDep,
                       staff: Editor) -> PartOut:
    """Replace a part's fields (admin); its number stays."""
    return PartOut.model_validate(await catalogue.update(
        db_session=db_session, number=part_number, data=data, actor=staff.actor))


@router.delete("/parts/{part_number}", status_code=status.HTTP_204_NO_CONTENT, responses=NO_PART)
async def deactivate_part(part_number: PartNumber, db_session: SessionDep,
                          staff: Editor) -> Response:
    """Take a part out of the catalogue (admin): no longer issued or fitted; the ledger and
    the tickets keep referring to it."""
    await catalogue.deactivate(db_session=db_session, number=part_number, actor=staff.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- stock ----------------------------------------------------------------------------------------

async def _technician_id(db_session, staff: StaffUser, username: str | None) -> int | None:
    """A technician sees only their own; others filter by a username ("me": their own),
    an unknown one matching nothing (0)."""
    if staff.own_tickets_only is not None:
        return staff.own_tickets_only
    if username is None:
        return None
    if username.strip().lower() == "me":
        return staff.staff_id or 0
    found = await staff_service.get_by_username(db_session=db_session, username=username)
    return found.id if found else 0


@router.get("/stock", response_model=BalancePage)
async def list_stock(db_session: SessionDep, staff: StockReader, outlet: OutletFilter = None,
                     technician: UsernameFilter = None, part: PartFilter = None,
                     holders: Literal["outlets", "technicians"] | None = None,
                     low: bool = False, limit: Limit = 200,
                     offset: Offset = 0) -> BalancePage:
    """Balances per part and holder, by part number, outlets first (`low`: outlets below
    their threshold). A technician gets their own only."""
    technician_id = await _technician_id(db_session, staff, technician)
    if staff.own_tickets_only is not None:
        holders = "technicians"
    items, total = await stock.balances(
        db_session=db_session, outlet_id=outlet, technician_id=technician_id,
        part_number=normalised_number(part) if part else None, holders=holders, low_only=low,
        limit=limit, offset=offset)
    return BalancePage(items=items, total=total, limit=limit, offset=offset)


@router.get("/stock/movements", response_model=MovementPage)
async def list_movements(db_session: SessionDep, staff: StockReader,
                         outlet: OutletFilter = None, technician: UsernameFilter = None,
                         part: PartFilter = None, kind: MovementKind | None = None,
                         limit: Limit = 50, offset: Offset = 0) -> MovementPage:
    """The ledger, newest first, of a part, an outlet or a technician (either end). A
    technician gets the movements of their own stock only."""
    items, total = await stock.movements(
        db_session=db_session, part_number=normalised_number(part) if part else None,
        outlet_id=outlet, technician_id=await _technician_id(db_session, staff, technician),
        kind=kind, limit=limit, offset=offset)
    return MovementPage(items=items, total=total, limit=limit, offset=offset)


async def _one(db_session, movement) -> MovementOut:
    [view] = await stock.views(db_session, [movement])
    return view


@router.post("/stock/receipts", response_model=MovementOut,
             status_code=status.HTTP_201_CREATED,
             responses={**NO_PART, **_responses(_422=REFUSED)})
async def receive(data: ReceiptIn, db_session: SessionDep, staff: Keeper) -> MovementOut:
    """Units delivered into an outlet (dispatcher, admin)."""
    return await _one(db_session, await stock.receive(db_session=db_session, data=data,
                                                      actor=staff.actor))


@router.post("/stock/issues", response_model=MovementOut, status_code=status.HTTP_201_CREATED,
             responses={**NO_PART, **_responses(_409=SHORT, _422=REFUSED)})
async def issue(data: TransferIn, db_session: SessionDep, staff: Keeper) -> MovementOut:
    """Units issued from an outlet to a technician (dispatcher, admin)."""
    return await _one(db_session, await stock.transfer(
        db_session=db_session, data=data, kind=MovementKind.issue, actor=staff.actor))


@router.post("/stock/returns", response_model=MovementOut,
             status_code=status.HTTP_201_CREATED,
             responses={**NO_PART, **_responses(_409=SHORT, _422=REFUSED)})
async def take_back(data: TransferIn, db_session: SessionDep, staff: Keeper) -> MovementOut:
    """Units a technician returns to an outlet (dispatcher, admin)."""
    return await _one(db_session, await stock.transfer(
        db_session=db_session, data=data, kind=MovementKind.return_, actor=staff.actor))


@router.put("/stock/thresholds", response_model=BalanceOut,
            responses={**NO_PART, **_responses(_422=REFUSED)})
async def set_threshold(data: ThresholdIn, db_session: SessionDep,
                        staff: Keeper) -> BalanceOut:
    """Below how many units of a part an outlet's dispatchers are alerted (null: never;
    dispatcher, admin)."""
    balance = await stock.set_threshold(db_session=db_session, data=data, actor=staff.actor)
    [view], _ = await stock.balances(db_session=db_session, outlet_id=balance.outlet_id,
                                     part_number=data.part_number)
    return view


def _own_outlet(staff: StaffUser) -> int | None:
    """The outlet the caller works at (the static token's "api": none)."""
    return staff.session.staff.outlet_id if staff.session is not None else None


@router.get("/stock/alerts", response_model=list[AlertOut])
async def list_alerts(db_session: SessionDep, staff: Desk, open_only: bool = True,
                      outlet: OutletFilter = None,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[AlertOut]:
    """Low-stock alerts, newest first: the open ones unless `open_only=false`, of `outlet`;
    without it, a dispatcher who works at an outlet gets that outlet's, anyone else every
    outlet's (dispatcher, supervisor, admin)."""
    if outlet is None:
        outlet = alerts.addressed_outlet(staff.role, _own_outlet(staff))
    return await alerts.list_alerts(db_session=db_session, open_only=open_only,
                                    outlet_id=outlet, limit=limit)


# ---- on a ticket ----------------------------------------------------------------------------------

NO_TICKET = _responses(_404="no such ticket (a technician: none assigned to them), or part")


@router.get("/tickets/{number}/parts", response_model=TicketPartsOut, responses=NO_TICKET)
async def ticket_parts(number: str, db_session: SessionDep, staff: Reader) -> TicketPartsOut:
    """The parts fitted on the ticket, each with its parts warranty's end, and the defective
    parts taken out (staff; a technician: a ticket assigned to them)."""
    return await usage.on_ticket(db_session=db_session, number=number,
                                 assignee_id=staff.own_tickets_only)


@router.post("/tickets/{number}/parts", response_model=TicketPartsOut,
             status_code=status.HTTP_201_CREATED,
             responses={**NO_TICKET, **_responses(
                 _409=f"{SHORT}; or the ticket is no longer open", _422=REFUSED)})
async def use_part(number: str, data: UseIn, db_session: SessionDep,
                   staff: OnTicket) -> TicketPartsOut:
    """Fit parts on an open repair or installation ticket from a technician's stock: the
    caller's own (a technician, on a ticket assigned to them), or the technician named
    (dispatcher, supervisor, admin). A `part_used` event in the ticket's record."""
    await usage.use(db_session=db_session, number=number, data=data, actor=staff.actor,
                    caller_technician_id=staff.own_tickets_only)
    return await usage.on_ticket(db_session=db_session, number=number)


@router.post("/tickets/{number}/defective-parts", response_model=DefectiveOut,
             status_code=status.HTTP_201_CREATED,
             responses={**NO_TICKET, **_responses(_409="the ticket is no longer open",
                                                  _422=REFUSED)})
async def remove_part(number: str, data: RemovedIn, db_session: SessionDep,
                      staff: OnTicket) -> DefectiveOut:
    """A defective part taken out on the ticket, to be sent back for repair (坏件返修): a
    `part_removed` event."""
    removed = await defective.remove(db_session=db_session, number=number, data=data,
                                     actor=staff.actor,
                                     caller_technician_id=staff.own_tickets_only)
    return await defective.get(db_session=db_session, defective_id=removed.id)


# ---- defective parts ------------------------------------------------------------------------------

@router.get("/defective-parts", response_model=DefectivePage)
async def list_defective(db_session: SessionDep, _: Desk, state: DefectiveState | None = None,
                         open_only: bool = False, limit: Limit = 50,
                         offset: Offset = 0) -> DefectivePage:
    """Defective parts, oldest first: in a state, or not yet at their end (dispatcher,
    supervisor, admin)."""
    items, total = await defective.list_defective(db_session=db_session, state=state,
                                                  open_only=open_only, limit=limit,
                                                  offset=offset)
    return DefectivePage(items=items, total=total, limit=limit, offset=offset)


@router.get("/defective-parts/{defective_id}", response_model=DefectiveOut,
            responses=_responses(_404="no such defective part"))
async def get_defective(defective_id: DefectiveId, db_session: SessionDep,
                        _: Desk) -> DefectiveOut:
    return await defective.get(db_session=db_session, defective_id=defective_id)


@router.post("/defective-parts/{defective_id}/state", response_model=DefectiveOut,
             responses=_responses(_404="no such defective part",
                                  _409="not a state it may go to from where it is",
                                  _422="no active outlet with that id; an outlet for a "
                                       "scrapped part"))
async def move_defective(defective_id: DefectiveId, data: DefectiveStateIn,
                         db_session: SessionDep, staff: Keeper) -> DefectiveOut:
    """Sent to repair (through an outlet), repaired (back into an outlet's stock if
    `outlet_id` is given) or scrapped (dispatcher, admin)."""
    await defective.change_state(db_session=db_session, defective_id=defective_id, data=data,
                                 actor=staff.actor)
    return await defective.get(db_session=db_session, defective_id=defective_id)
