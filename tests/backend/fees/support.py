"""Helpers of the fee-standard tests: the routes, an item's body, a clock a test moves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import httpx

from backend.kernel.clock import running_on
from tests.backend.conftest import STAFF_HEADERS
from tests.support.clock import TEST_NOW

STANDARDS = "/api/v1/fee-standards"
NAMES = {"zh-Hans": "空调加氟", "zh-Hant": "冷氣加雪種", "en": "Air conditioner refrigerant recharge"}


def item_body(**overrides) -> dict:
    return {"category": "空调", "repair_type": "refrigerant_recharge", "names": dict(NAMES),
            "price": "180", "reason": "R32 refrigerant costs more", **overrides}


async def standard(client: httpx.AsyncClient, region: str = "mainland", **params) -> dict:
    response = await client.get(f"{STANDARDS}/{region}", params=params, headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def item(found: dict, code: str) -> dict | None:
    return next((i for i in found["items"] if i["code"] == code), None)


async def set_item(client: httpx.AsyncClient, code: str = "AC-GAS", region: str = "mainland",
                   headers: dict | None = None, **overrides) -> httpx.Response:
    return await client.put(f"{STANDARDS}/{region}/items/{code}", json=item_body(**overrides),
                            headers=STAFF_HEADERS if headers is None else headers)


class Clock:
    """The test clock's now, moved by the test: `clock.now += timedelta(days=1)`."""

    def __init__(self, now: datetime = TEST_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@contextmanager
def moving_clock() -> Iterator[Clock]:
    clock = Clock()
    with running_on(clock):
        yield clock
