"""Defective parts returned for repair (坏件返修): a part taken out on a ticket is recorded
against it (a `defective_parts` row and a `part_removed` event, in the ticket's transaction),
then followed to its end: removed → sent to repair (through an outlet) → repaired (received
back into an outlet's stock, if it is to be used again) or scrapped; removed → scrapped when
it is not worth sending. Each step records when and who."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import NotFound
from backend.kernel.database import utcnow
from backend.parts import catalogue, stock
from backend.parts.enums import (
    DEFECTIVE_ENDS,
    DEFECTIVE_TRANSITIONS,
    PART_REMOVED,
    DefectiveState,
    MovementKind,
)
from backend.parts.errors import DefectiveStateRefused, PartRefused
from backend.parts.models import DefectivePart, Part
from backend.parts.schemas import DefectiveOut, DefectiveStateIn, RemovedIn
from backend.parts.tickets import lock_on_site
from backend.staff.models import Staff
from backend.tickets import lifecycle
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)


async def remove(*, db_session: AsyncSession, number: str, data: RemovedIn, actor: str,
                 caller_technician_id: int | None = None) -> DefectivePart:
    """Record a defective part taken out on an open repair or installation ticket (a
    technician: one assigned to them, else NotFound), with a `part_removed` event. A part no
    longer in the catalogue may still be taken out. Commits."""
    part = await catalogue.get(db_session=db_session, number=data.part_number)
    person = await stock.holder_of(db_session, named=data.technician,
                                   caller_technician_id=caller_technician_id)
    ticket = await lock_on_site(db_session, number=number, part=part,
                                caller_technician_id=caller_technician_id, done="taken out")
    now = utcnow()
    removed = DefectivePart(part_id=part.id, ticket_id=ticket.id, technician_id=person.id,
                            part_serial=data.part_serial, fault=data.fault,
                            state=str(DefectiveState.removed), removed_at=now,
                            removed_by=actor)
    db_session.add(removed)
    await db_session.flush()
    lifecycle.record(db_session, ticket, PART_REMOVED, actor=actor, now=now, touch=True,
                     note=f"{part.number} {part.name_zh_hans} 坏件返修 #{removed.id}")
    await lifecycle.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: defective part %s removed (#%d)", ticket.number, part.number,
             removed.id)
    return removed


async def _refuse(db_session: AsyncSession, error: Exception) -> NoReturn:
    """Roll back (the row lock goes) and raise."""
    await db_session.rollback()
    raise error


async def change_state(*, db_session: AsyncSession, defective_id: int, data: DefectiveStateIn,
                       actor: str) -> DefectivePart:
    """Move a defective part on (DEFECTIVE_TRANSITIONS; the row locked). Sent to repair:
    through `outlet_id`, if given. Repaired with `outlet_id`: received back into that outlet's
    stock (a `receipt` movement naming it). NotFound, PartRefused (no such active outlet),
    DefectiveStateRefused. Commits."""
    found = (await db_session.execute(select(DefectivePart).where(
        DefectivePart.id == defective_id).with_for_update())).scalar_one_or_none()
    if found is None:
        await _refuse(db_session, NotFound("no such defective part"))
    current, wanted = DefectiveState(found.state), data.state
    if wanted not in DEFECTIVE_TRANSITIONS[current]:
        allowed = ", ".join(sorted(DEFECTIVE_TRANSITIONS[current])) or "nothing (it is done)"
        await _refuse(db_session, DefectiveStateRefused(
            f"a {current} part cannot become {wanted}; from {current}: {allowed}"))
    place = None
    if data.outlet_id is not None:
        if wanted == DefectiveState.scrapped:
            await _refuse(db_session, PartRefused("a scrapped part goes to no outlet"))
        try:
            place = await stock.outlet(db_session, data.outlet_id)
        except PartRefused as error:
            await _refuse(db_session, error)
    now = utcnow()
    found.state = str(wanted)
    if wanted == DefectiveState.sent_to_repair:
        found.sent_at, found.sent_by = now, actor
        found.outlet_id = place.id if place else None
    if wanted in DEFECTIVE_ENDS:
        found.ended_at, found.ended_by = now, actor
    if wanted == DefectiveState.repaired and place is not None:
        found.outlet_id = place.id
        part = await db_session.get(Part, found.part_id)
        assert part is not None
        await stock.move(db_session, kind=MovementKind.receipt, part=part, quantity=1,
                         actor=actor, target=stock.Holder(outlet_id=place.id), now=now,
                         defective_part_id=found.id, reference=f"坏件返修 #{found.id}")
    await db_session.commit()
    log.info("defective part #%d: %s -> %s by %s", found.id, current, wanted, actor)
    return found


async def list_defective(*, db_session: AsyncSession, state: DefectiveState | None = None,
                         open_only: bool = False, limit: int = 50,
                         offset: int = 0) -> tuple[list[DefectiveOut], int]:
    """Defective parts, oldest first: in a state, or (`open_only`) not yet at their end."""
    conditions: list[Any] = []
    if state is not None:
        conditions.append(DefectivePart.state == str(state))
    if open_only:
        conditions.append(DefectivePart.state.not_in([str(s) for s in DEFECTIVE_ENDS]))
    total = (await db_session.execute(
        select(func.count()).select_from(DefectivePart).where(*conditions))).scalar_one()
    rows = list((await db_session.execute(
        select(DefectivePart).where(*conditions).order_by(DefectivePart.id)
        .limit(limit).offset(offset))).scalars())
    return await views(db_session, rows), total


async def of_ticket(*, db_session: AsyncSession, ticket: Ticket) -> list[DefectiveOut]:
    rows = list((await db_session.execute(
        select(DefectivePart).where(DefectivePart.ticket_id == ticket.id)
        .order_by(DefectivePart.id))).scalars())
    return await views(db_session, rows)


async def get(*, db_session: AsyncSession, defective_id: int) -> DefectiveOut:
    found = await db_session.get(DefectivePart, defective_id)
    if found is None:
        raise NotFound("no such defective part")
    [view] = await views(db_session, [found])
    return view


async def views(db_session: AsyncSession, rows: list[DefectivePart]) -> list[DefectiveOut]:
    if not rows:
        return []
    parts = {p.id: p for p in (await db_session.execute(
        select(Part).where(Part.id.in_({r.part_id for r in rows})))).scalars()}
    tickets = dict((await db_session.execute(
        select(Ticket.id, Ticket.number).where(Ticket.id.in_({r.ticket_id for r in rows})))
    ).all())
    people = dict((await db_session.execute(
        select(Staff.id, Staff.username).where(
            Staff.id.in_({r.technician_id for r in rows if r.technician_id})))).all())
    return [DefectiveOut(
        id=r.id, part_number=parts[r.part_id].number, part_name=parts[r.part_id].name_zh_hans,
        ticket_number=tickets[r.ticket_id], technician=people.get(r.technician_id or 0),
        part_serial=r.part_serial, fault=r.fault, state=DefectiveState(r.state),
        outlet_id=r.outlet_id, removed_at=r.removed_at, removed_by=r.removed_by,
        sent_at=r.sent_at, sent_by=r.sent_by, ended_at=r.ended_at, ended_by=r.ended_by)
        for r in rows]
