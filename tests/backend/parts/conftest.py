"""Parts test fixtures: the test clock, staff of every role, two technicians, two outlets, and
helpers that stock a technician and open a repair ticket assigned to one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from backend.kernel.clock import running_on
from backend.parts import stock
from backend.staff.enums import Role
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.customers.roles import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    role_headers,
    token_for,
)
from tests.backend.sla.conftest import Clock
from tests.support.clock import TEST_NOW

# Seeded by migrations 0005 (outlets: 北京朝阳, 北京海淀) and 0021 (the sample catalogue).
OUTLET, OTHER_OUTLET = 1, 2
COMPRESSOR, SEAL, FILTER = "RF-CMP", "RF-DOOR-SEAL", "WP-FILTER-PP"


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The time the backend reads while the test runs: the suite's test day (a Tuesday 09:30
    in Shanghai on or after today), moved by the test."""
    clock = Clock(TEST_NOW)
    with running_on(clock):
        yield clock


@dataclass(frozen=True)
class Technician:
    username: str
    id: int
    headers: dict[str, str]


@pytest.fixture
async def technicians(add_staff, token_for) -> list[Technician]:  # noqa: F811
    """Two technicians, signed in."""
    found = []
    for name in ("tech-a", "tech-b"):
        staff = await add_staff(name, Role.technician)
        found.append(Technician(name, staff.id, await token_for(staff)))
    return found


@pytest.fixture
def post(client: httpx.AsyncClient) -> Callable:
    """`await post(path, body, headers=STAFF_HEADERS, expect=201)`: the JSON answer."""

    async def post(path: str, body: dict, headers: dict | None = None,
                   expect: int = 201) -> dict:
        response = await client.post(path, json=body, headers=headers or STAFF_HEADERS)
        assert response.status_code == expect, response.text
        return response.json()

    return post


@pytest.fixture
def stock_technician(post) -> Callable:
    """`await stock_technician("tech-a", "RF-CMP", 2)`: received into OUTLET, issued to them."""

    async def give(username: str, part: str, quantity: int = 1) -> None:
        await post("/api/v1/stock/receipts", {"part_number": part, "outlet_id": OUTLET,
                                               "quantity": quantity})
        await post("/api/v1/stock/issues", {"part_number": part, "outlet_id": OUTLET,
                                             "technician": username, "quantity": quantity})

    return give


@pytest.fixture
def repair_for(create, client: httpx.AsyncClient) -> Callable:
    """`await repair_for("tech-a", product="冰箱", chat_id="42")`: a new repair ticket,
    assigned to that technician; its number."""
    counter = iter(range(1, 1000))

    async def open_ticket(username: str, **overrides) -> str:
        n = next(counter)
        response = await create(key=f"parts-{n}", **overrides)
        assert response.status_code == 201, response.text
        number = response.json()["number"]
        assigned = await client.post(f"/api/v1/tickets/{number}/assign",
                                     json={"assignee": username}, headers=STAFF_HEADERS)
        assert assigned.status_code == 200, assigned.text
        return number

    return open_ticket


async def ledger_agrees(app: FastAPI) -> None:
    """The balances kept are the balances the ledger gives, and none is negative."""
    async with app.state.sessionmaker() as session:
        stored = await stock.stored_balances(db_session=session)
        assert stored == await stock.ledger_balances(db_session=session)
        assert all(value > 0 for value in stored.values())
