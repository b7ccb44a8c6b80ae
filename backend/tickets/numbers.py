"""Ticket numbers: `RS-20261124-0007` = type prefix, local date, daily sequence of that prefix.

The sequence comes from one counter row per (prefix, day), bumped by a single
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (SQLite ≥ 3.35 and PostgreSQL): atomic, and
concurrent creators queue on the row instead of reading the same value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.tickets.enums import NUMBER_PREFIXES, TicketType
from backend.tickets.models import TicketCounter

_PREFIXES = "|".join(sorted(NUMBER_PREFIXES.values()))
_SEPARATOR = r"[\s\-_./#]*"
# Prefix, date, sequence, with any separators (or none) between them and nothing else.
_NUMBER = re.compile(rf"^({_PREFIXES}){_SEPARATOR}(\d{{8}}){_SEPARATOR}(\d{{4,6}})$")


def format_number(prefix: str, day: str, sequence: int) -> str:
    return f"{prefix}-{day}-{sequence:04d}"


def normalise_ticket_number(text: str) -> str | None:
    """The canonical spelling of a ticket number typed any way (`rs202611240007`,
    `RS 20261124 0007`, full-width `ＲＳ－２０２６…`), or None if it is not one."""
    if not text:
        return None
    match = _NUMBER.match(unicodedata.normalize("NFKC", text[:64]).upper().strip())
    if match is None:
        return None
    prefix, day, sequence = match.groups()
    if len(sequence) > 4 and sequence.startswith("0"):  # 4 digits, more only past 9999
        return None
    return format_number(prefix, day, int(sequence))


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
