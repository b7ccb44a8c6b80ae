"""Ticket numbers: spellings (the grammar: backend.kernel.ticket_numbers), local date, and a
daily counter that never hands out a number twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from backend.kernel.database import make_engine, make_sessionmaker
from backend.kernel.ticket_numbers import normalise_ticket_number
from backend.tickets.enums import NUMBER_PREFIXES, TicketType
from backend.tickets.numbers import local_day, next_number


@pytest.mark.parametrize("text", [
    "RS-20261124-0007", "rs202611240007", "RS 20261124 0007", " rs-20261124-0007 ",
    "RS_20261124_0007", "ＲＳ－２０２６１１２４－０００７", "Rs.20261124.0007",
])
def test_any_spelling_is_normalised(text: str) -> None:
    assert normalise_ticket_number(text) == "RS-20261124-0007"


@pytest.mark.parametrize("text", [
    "", "hello", "XX-20261124-0007", "RS-2026112-0007", "RS-20261124-007", "20261124-0007",
    "RS-20261124-0007-1", "RS-20261124-0007" * 20, "\x00", "😀RS😀",
])
def test_other_text_is_not_a_number(text: str) -> None:
    assert normalise_ticket_number(text) is None


def test_longer_sequences_past_9999_are_read_but_not_zero_padded_ones() -> None:
    assert normalise_ticket_number("RS-20261124-10000") == "RS-20261124-10000"
    assert normalise_ticket_number("RS-20261124-00071") is None


def test_every_type_has_a_prefix() -> None:
    assert set(NUMBER_PREFIXES) == set(TicketType)


def test_every_prefix_is_recognised() -> None:
    for prefix in ("RS", "IN", "CP", "RE", "IQ"):
        assert normalise_ticket_number(f"{prefix.lower()}202601010001") == f"{prefix}-20260101-0001"


def test_the_date_is_the_local_date() -> None:
    # 23:30 UTC on 24 Nov is already 25 Nov in Shanghai.
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert local_day(late, "Asia/Shanghai") == "20261125"
    assert local_day(late, "UTC") == "20261124"


async def test_counter_is_atomic_under_concurrency(database_url: str) -> None:
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    now = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)

    async def take(ticket_type: TicketType) -> str:
        async with sessionmaker() as session:
            number = await next_number(db_session=session, ticket_type=ticket_type, now=now,
                                       timezone="Asia/Shanghai")
            await session.commit()
            return number

    try:
        repairs = await asyncio.gather(*(take(TicketType.repair) for _ in range(20)))
        complaint = await take(TicketType.complaint)
    finally:
        await engine.dispose()
    assert sorted(repairs) == [f"RS-20261124-{i:04d}" for i in range(1, 21)]
    assert complaint == "CP-20261124-0001"  # each prefix counts on its own
