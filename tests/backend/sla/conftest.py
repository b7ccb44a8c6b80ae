"""Service-level test fixtures: a clock the backend reads instead of the real one, staff
accounts of any role (from the staff tests), and readers of the outbox and ticket details."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.kernel.clock import running_on
from backend.notifications.models import OutboxMessage
from backend.staff.enums import Role
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.staff.conftest import add_staff, cheap_password_hashing, token_for  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")
_names = itertools.count(1)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in November 2026 (the 24th is a Tuesday, the 27th a Friday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The time the backend reads (`backend.kernel.clock.utcnow`, in every module) while the
    test runs; starts Tuesday 2026-11-24 09:00 in Shanghai."""
    clock = Clock(local(24, 9))
    with running_on(clock):
        yield clock


@pytest.fixture
def headers_of(add_staff, token_for) -> Callable:  # noqa: F811
    """`await headers_of(Role.agent)`: Authorization headers of a new account of that role."""

    async def headers(role: Role) -> dict[str, str]:
        return await token_for(await add_staff(f"{role}{next(_names)}", role))

    return headers


async def outbox(app: FastAPI, kind: str | None = None) -> list[dict]:
    """Payloads in the outbox, in order; `kind="status_changed"`: those without a kind."""
    async with app.state.sessionmaker() as session:
        payloads = [m.payload for m in (await session.execute(
            select(OutboxMessage).order_by(OutboxMessage.id))).scalars()]
    if kind is None:
        return payloads
    return [p for p in payloads if p.get("kind", "status_changed") == kind]


async def detail(client: httpx.AsyncClient, number: str) -> dict:
    response = await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def at(value: str | None) -> datetime | None:
    """A time from an answer, as a Shanghai time (for comparing with `local(...)`)."""
    return datetime.fromisoformat(value).astimezone(SHANGHAI) if value else None
