"""Low-stock alerts: an outlet's balance of a part below its threshold.

A movement that takes an outlet's balance below the threshold raises one alert
(`stock_alerts`), unless one is open already; it stays open, and nothing more is raised, until
the balance is back at the threshold or above (restocked, or the threshold lowered), which
clears it; a later fall raises a new one. The balance row is locked by the movement that
changes it, so two movements of the same part and outlet decide one after the other (and a
partial unique index allows one open alert per part and outlet).

The alert is for the outlet's dispatchers (`staff.outlet_id`, set by admins): the row itself
is the notice, written in the movement's transaction (so it is never lost, and telling
someone never holds the movement up), and the console is where it reaches them
(`GET /api/v1/stock/alerts`: a dispatcher who works at an outlet gets that outlet's unless
they name another, `addressed_outlet`; the parts page shows them at the top, refreshed while
open, and counts them in the nav). Supervisors, admins and dispatchers without an outlet get
every outlet's, so an outlet no dispatcher works at is still seen. Not pushed to a chat: the
one staff chat (`STAFF_ALERT_CHAT_ID`) is the supervisors', not an outlet's dispatchers', and
the outbox and the bot's `staff_alert` are per ticket, which a stock movement has not (see
docs/backend.md, "Spare parts").
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.outlets.models import Outlet
from backend.parts.models import Part, StockAlert, StockBalance
from backend.parts.schemas import AlertOut
from backend.staff.enums import Role

log = logging.getLogger(__name__)


def addressed_outlet(role: Role, own_outlet_id: int | None) -> int | None:
    """Whose alerts a caller is shown unless they name an outlet: a dispatcher's, those of
    the outlet they work at; anyone else's (and a dispatcher's without one), every outlet's
    (None)."""
    return own_outlet_id if role == Role.dispatcher else None


def is_low(balance: StockBalance) -> bool:
    return balance.threshold is not None and balance.quantity < balance.threshold


async def _open(db_session: AsyncSession, part_id: int, outlet_id: int) -> StockAlert | None:
    return (await db_session.execute(select(StockAlert).where(
        StockAlert.part_id == part_id, StockAlert.outlet_id == outlet_id,
        StockAlert.cleared_at.is_(None)))).scalar_one_or_none()


async def balance_changed(db_session: AsyncSession, balance: StockBalance, *, fell: bool,
                          now: datetime) -> None:
    """After a change of a (locked) balance row: an outlet that `fell` below its threshold is
    alerted, once; one at or above it has its open alert cleared. Technicians' balances have
    no threshold. Nothing is committed."""
    if balance.outlet_id is None:
        return
    if is_low(balance):
        if fell and await _open(db_session, balance.part_id, balance.outlet_id) is None:
            assert balance.threshold is not None
            db_session.add(StockAlert(part_id=balance.part_id, outlet_id=balance.outlet_id,
                                      quantity=balance.quantity, threshold=balance.threshold,
                                      raised_at=now))
            log.info("low stock: part %d at outlet %d (%d < %d)", balance.part_id,
                     balance.outlet_id, balance.quantity, balance.threshold)
        return
    alert = await _open(db_session, balance.part_id, balance.outlet_id)
    if alert is not None:
        alert.cleared_at = now


async def list_alerts(*, db_session: AsyncSession, open_only: bool = True,
                      outlet_id: int | None = None, limit: int = 100) -> list[AlertOut]:
    """Alerts, newest first: the open ones (by default), of an outlet."""
    statement = (select(StockAlert, Part, Outlet.name)
                 .join(Part, Part.id == StockAlert.part_id)
                 .join(Outlet, Outlet.id == StockAlert.outlet_id))
    if open_only:
        statement = statement.where(StockAlert.cleared_at.is_(None))
    if outlet_id is not None:
        statement = statement.where(StockAlert.outlet_id == outlet_id)
    rows = (await db_session.execute(
        statement.order_by(StockAlert.id.desc()).limit(limit))).all()
    return [AlertOut(id=a.id, part_number=part.number, part_name=part.name_zh_hans,
                     outlet_id=a.outlet_id, outlet_name=outlet_name, quantity=a.quantity,
                     threshold=a.threshold, raised_at=a.raised_at, cleared_at=a.cleared_at)
            for a, part, outlet_name in rows]
