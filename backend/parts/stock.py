"""Stock of parts per outlet and per technician, as a ledger of movements.

Every change is `move`: one `stock_movements` row, and the balances of the holders it takes
from and gives to changed in the same transaction. Taking is a conditional update
(`quantity >= n`): a holder without enough is refused (NotEnoughStock) and nothing is written,
so stock never goes negative, also when two take the last unit at once (PostgreSQL re-reads
the row the first one changed and finds it short; SQLite serialises writers). A movement
between two holders locks both balance rows in id order first, so an issue and a return
crossing each other never deadlock. An outlet's balance going below its threshold raises a
low-stock alert (backend/parts/alerts.py) in the same transaction.

    receipt   → outlet          (a delivery)
    issue     outlet → technician
    return    technician → outlet
    use       technician →      (fitted on a ticket: backend/parts/usage.py)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.database import utcnow
from backend.outlets.models import Outlet
from backend.parts import alerts, catalogue
from backend.parts.enums import MovementKind
from backend.parts.errors import NotEnoughStock, PartRefused
from backend.parts.models import Part, StockBalance, StockMovement
from backend.parts.schemas import BalanceOut, MovementOut, ReceiptIn, ThresholdIn, TransferIn
from backend.staff.enums import Role
from backend.staff.models import Staff
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Holder:
    """An outlet or a technician (exactly one of the two)."""

    outlet_id: int | None = None
    technician_id: int | None = None

    def where(self) -> Any:
        if self.outlet_id is not None:
            return StockBalance.outlet_id == self.outlet_id
        return StockBalance.technician_id == self.technician_id


# ---- who holds --------------------------------------------------------------------------

async def technician(db_session: AsyncSession, username: str) -> Staff:
    """The active technician of this username; PartRefused."""
    staff = (await db_session.execute(select(Staff).where(
        Staff.username == username.strip().lower()))).scalar_one_or_none()
    if staff is None or not staff.active or staff.role != str(Role.technician):
        raise PartRefused("no active technician of that username")
    return staff


async def holder_of(db_session: AsyncSession, *, named: str | None,
                    caller_technician_id: int | None) -> Staff:
    """The technician whose stock (or visit) it is: a technician calling, themselves (naming
    no one else); the desk names one. PartRefused."""
    if caller_technician_id is not None:
        own = await db_session.get(Staff, caller_technician_id)
        assert own is not None
        if named is not None and named.strip().lower() != own.username:
            raise PartRefused("a technician records their own parts only")
        return own
    if named is None:
        raise PartRefused("name the technician (technician: a username)")
    return await technician(db_session, named)


async def outlet(db_session: AsyncSession, outlet_id: int) -> Outlet:
    """The active outlet of this id; PartRefused."""
    found = await db_session.get(Outlet, outlet_id)
    if found is None or not found.active:
        raise PartRefused("no active outlet with that id")
    return found


# ---- the one way stock changes ---------------------------------------------------------------

async def _ensure(db_session: AsyncSession, part_id: int, holder: Holder, now: datetime) -> None:
    """The holder's balance row of the part, made (at 0) if missing; an existing row is not
    touched (nor locked)."""
    insert = (postgresql.insert if db_session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    await db_session.execute(insert(StockBalance).values(
        part_id=part_id, outlet_id=holder.outlet_id, technician_id=holder.technician_id,
        quantity=0, updated_at=now).on_conflict_do_nothing())


async def _lock(db_session: AsyncSession, part_id: int, holders: list[Holder]) -> None:
    """Lock the holders' balance rows of the part, in id order (PostgreSQL; SQLite holds
    the database's write lock already)."""
    await db_session.execute(
        select(StockBalance.id)
        .where(StockBalance.part_id == part_id, or_(*(h.where() for h in holders)))
        .order_by(StockBalance.id).with_for_update())


async def _change(db_session: AsyncSession, part_id: int, holder: Holder, delta: int,
                  now: datetime) -> StockBalance | None:
    """Add `delta` to the holder's balance; a negative one only if the holder has enough.
    The row as changed, or None (nothing changed: not enough, or no row)."""
    statement = (update(StockBalance)
                 .where(StockBalance.part_id == part_id, holder.where())
                 .values(quantity=StockBalance.quantity + delta, updated_at=now)
                 .returning(StockBalance)
                 .execution_options(populate_existing=True))
    if delta < 0:
        statement = statement.where(StockBalance.quantity >= -delta)
    return (await db_session.execute(statement)).scalar_one_or_none()


async def move(db_session: AsyncSession, *, kind: MovementKind, part: Part, quantity: int,
               actor: str, source: Holder | None = None, target: Holder | None = None,
               now: datetime | None = None, **fields: Any) -> StockMovement:
    """Write one movement and change the balances it moves between; an outlet that falls
    below its threshold is alerted. NotEnoughStock (rolled back) when the source has fewer
    than `quantity`. `fields`: the movement's ticket, use date and warranty end, reference.
    Nothing is committed."""
    now = now or utcnow()
    if target is not None:
        await _ensure(db_session, part.id, target, now)
    if source is not None and target is not None:
        await _lock(db_session, part.id, [source, target])
    if source is not None:
        taken = await _change(db_session, part.id, source, -quantity, now)
        if taken is None:
            short = NotEnoughStock(f"not enough of part {part.number} held: fewer than "
                                   f"{quantity}")
            await db_session.rollback()  # (which expires `part`)
            raise short
        await alerts.balance_changed(db_session, taken, fell=True, now=now)
    if target is not None:
        given = await _change(db_session, part.id, target, quantity, now)
        assert given is not None  # made by _ensure
        await alerts.balance_changed(db_session, given, fell=False, now=now)
    movement = StockMovement(
        kind=str(kind), part_id=part.id, quantity=quantity, actor=actor, created_at=now,
        from_outlet_id=source.outlet_id if source else None,
        from_technician_id=source.technician_id if source else None,
        to_outlet_id=target.outlet_id if target else None,
        to_technician_id=target.technician_id if target else None, **fields)
    db_session.add(movement)
    await db_session.flush()
    return movement


# ---- receipts, issues, returns, thresholds ------------------------------------------------

async def receive(*, db_session: AsyncSession, data: ReceiptIn, actor: str) -> StockMovement:
    """Units delivered into an outlet. NotFound, PartRefused. Commits."""
    part = await catalogue.get_active(db_session=db_session, number=data.part_number)
    into = await outlet(db_session, data.outlet_id)
    movement = await move(db_session, kind=MovementKind.receipt, part=part,
                          quantity=data.quantity, actor=actor,
                          target=Holder(outlet_id=into.id), reference=data.reference)
    await db_session.commit()
    log.info("part %s: %d received into outlet %d by %s", part.number, data.quantity, into.id,
             actor)
    return movement


async def transfer(*, db_session: AsyncSession, data: TransferIn, kind: MovementKind,
                   actor: str) -> StockMovement:
    """Units issued from an outlet to a technician (`issue`), or returned by the technician
    to it (`return`). NotFound, PartRefused, NotEnoughStock. Commits."""
    part = await catalogue.get(db_session=db_session, number=data.part_number)
    if kind == MovementKind.issue and not part.active:
        raise PartRefused(f"part {part.number} is no longer in the catalogue")
    place = await outlet(db_session, data.outlet_id)
    person = await technician(db_session, data.technician)
    ends = [Holder(outlet_id=place.id), Holder(technician_id=person.id)]
    source, target = ends if kind == MovementKind.issue else ends[::-1]
    movement = await move(db_session, kind=kind, part=part, quantity=data.quantity,
                          actor=actor, source=source, target=target)
    await db_session.commit()
    log.info("part %s: %d %s between outlet %d and %s by %s", part.number, data.quantity,
             kind, place.id, person.username, actor)
    return movement


async def set_threshold(*, db_session: AsyncSession, data: ThresholdIn,
                        actor: str) -> StockBalance:
    """Below how many units of a part an outlet is alerted (None: never). Back at or above
    it, an open alert is cleared. Commits."""
    part = await catalogue.get(db_session=db_session, number=data.part_number)
    place = await outlet(db_session, data.outlet_id)
    holder, now = Holder(outlet_id=place.id), utcnow()
    await _ensure(db_session, part.id, holder, now)
    await _lock(db_session, part.id, [holder])
    balance = (await db_session.execute(select(StockBalance).where(
        StockBalance.part_id == part.id, holder.where()))).scalar_one()
    balance.threshold, balance.updated_at = data.threshold, now
    await alerts.balance_changed(db_session, balance, fell=False, now=now)
    await db_session.commit()
    log.info("part %s: outlet %d threshold %s set by %s", part.number, place.id,
             data.threshold, actor)
    return balance


# ---- reading ----------------------------------------------------------------------------------

async def balances(*, db_session: AsyncSession, outlet_id: int | None = None,
                   technician_id: int | None = None, part_number: str | None = None,
                   holders: str | None = None, low_only: bool = False, limit: int = 200,
                   offset: int = 0) -> tuple[list[BalanceOut], int]:
    """Balances by part number, outlets before technicians, and how many there are.
    `holders`: "outlets" or "technicians"; `low_only`: outlets below their threshold."""
    conditions: list[Any] = []
    if outlet_id is not None:
        conditions.append(StockBalance.outlet_id == outlet_id)
    if technician_id is not None:
        conditions.append(StockBalance.technician_id == technician_id)
    if part_number is not None:
        conditions.append(StockBalance.part_id.in_(
            select(Part.id).where(Part.number == part_number)))
    if holders == "outlets":
        conditions.append(StockBalance.outlet_id.is_not(None))
    elif holders == "technicians":
        conditions.append(StockBalance.technician_id.is_not(None))
    if low_only:
        conditions.append(StockBalance.threshold.is_not(None))
        conditions.append(StockBalance.quantity < StockBalance.threshold)
    total = (await db_session.execute(
        select(func.count()).select_from(StockBalance).where(*conditions))).scalar_one()
    statement = (select(StockBalance, Part, Outlet.name, Staff.username)
                 .join(Part, Part.id == StockBalance.part_id)
                 .outerjoin(Outlet, Outlet.id == StockBalance.outlet_id)
                 .outerjoin(Staff, Staff.id == StockBalance.technician_id)
                 .where(*conditions))
    rows = (await db_session.execute(statement.order_by(
        Part.number, StockBalance.technician_id.is_not(None), Outlet.name, Staff.username)
        .limit(limit).offset(offset))).all()
    return [BalanceOut(part_number=part.number, part_name=part.name_zh_hans,
                       outlet_id=b.outlet_id, outlet_name=outlet_name, technician=username,
                       quantity=b.quantity, threshold=b.threshold, low=alerts.is_low(b))
            for b, part, outlet_name, username in rows], total


async def movements(*, db_session: AsyncSession, part_number: str | None = None,
                    outlet_id: int | None = None, technician_id: int | None = None,
                    kind: MovementKind | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[MovementOut], int]:
    """The ledger, newest first: of a part, of an outlet or a technician (either end)."""
    conditions: list[Any] = []
    if part_number is not None:
        conditions.append(StockMovement.part_id.in_(
            select(Part.id).where(Part.number == part_number)))
    if outlet_id is not None:
        conditions.append(or_(StockMovement.from_outlet_id == outlet_id,
                              StockMovement.to_outlet_id == outlet_id))
    if technician_id is not None:
        conditions.append(or_(StockMovement.from_technician_id == technician_id,
                              StockMovement.to_technician_id == technician_id))
    if kind is not None:
        conditions.append(StockMovement.kind == str(kind))
    total = (await db_session.execute(
        select(func.count()).select_from(StockMovement).where(*conditions))).scalar_one()
    rows = list((await db_session.execute(
        select(StockMovement).where(*conditions).order_by(StockMovement.id.desc())
        .limit(limit).offset(offset))).scalars())
    return await views(db_session, rows), total


async def views(db_session: AsyncSession, rows: list[StockMovement]) -> list[MovementOut]:
    """The movements as the API gives them: part numbers, usernames, ticket numbers."""
    parts = await _names(db_session, Part.id, Part.number, {m.part_id for m in rows})
    people = await _names(db_session, Staff.id, Staff.username,
                          {m.from_technician_id for m in rows}
                          | {m.to_technician_id for m in rows})
    tickets = await _names(db_session, Ticket.id, Ticket.number, {m.ticket_id for m in rows})
    return [MovementOut(
        id=m.id, kind=MovementKind(m.kind), part_number=parts[m.part_id], quantity=m.quantity,
        from_outlet_id=m.from_outlet_id, from_technician=people.get(m.from_technician_id),
        to_outlet_id=m.to_outlet_id, to_technician=people.get(m.to_technician_id),
        ticket_number=tickets.get(m.ticket_id), used_on=m.used_on,
        warranty_until=m.warranty_until, defective_part_id=m.defective_part_id,
        reference=m.reference, actor=m.actor, created_at=m.created_at) for m in rows]


async def _names(db_session: AsyncSession, key: Any, value: Any,
                 ids: set[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row[0]: row[1] for row in (await db_session.execute(
        select(key, value).where(key.in_(wanted)))).all()}


async def ledger_balances(*, db_session: AsyncSession) -> dict[tuple[int, Holder], int]:
    """Every holder's balance of every part, derived from the ledger alone (what
    `stock_balances` must say: the checks and tests compare them). Zero balances left out."""
    totals: dict[tuple[int, Holder], int] = defaultdict(int)
    for m in (await db_session.execute(select(StockMovement))).scalars():
        if m.from_outlet_id or m.from_technician_id:
            totals[m.part_id, Holder(m.from_outlet_id, m.from_technician_id)] -= m.quantity
        if m.to_outlet_id or m.to_technician_id:
            totals[m.part_id, Holder(m.to_outlet_id, m.to_technician_id)] += m.quantity
    return {key: value for key, value in totals.items() if value}


async def stored_balances(*, db_session: AsyncSession) -> dict[tuple[int, Holder], int]:
    """`stock_balances` in the same shape as `ledger_balances`."""
    rows = (await db_session.execute(select(StockBalance))).scalars()
    return {(b.part_id, Holder(b.outlet_id, b.technician_id)): b.quantity
            for b in rows if b.quantity}
