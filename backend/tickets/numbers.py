"""Ticket numbers handed out: `RS-20261124-0007` = type prefix, local date, daily sequence of
that prefix. (Reading a number typed any way: the grammar in backend/kernel/ticket_numbers.py.)

The sequence comes from one counter row per (prefix, day), bumped by a single
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (SQLite ≥ 3.35 and PostgreSQL): atomic, and
concurrent creators queue on the row instead of reading the same value.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.ticket_numbers import format_number
from backend.tickets.enums import NUMBER_PREFIXES, TicketType
from backend.tickets.models import TicketCounter


def local_day(now: datetime, timezone: str) -> str:
    return now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")


async def next_number(*, db_session: AsyncSession, ticket_type: TicketType, now: datetime,
                      timezone: str) -> str:
    """Take the next number for this type on `now`'s local day, in the caller's transaction
    (a rolled-back create gives its number back)."""
    prefix, day = NUMBER_PREFIXES[ticket_type], local_day(now, timezone)
    dialect = db_session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(TicketCounter)
        .values(prefix=prefix, day=day, value=1)
        .on_conflict_do_update(
            index_elements=[TicketCounter.prefix, TicketCounter.day],
            set_={"value": TicketCounter.value + 1},
        )
        .returning(TicketCounter.value)
    )
    sequence = (await db_session.execute(statement)).scalar_one()
    return format_number(prefix, day, sequence)
