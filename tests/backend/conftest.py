"""Backend test fixtures: every database test runs on SQLite and on PostgreSQL.

Each test gets its own database, copied from a template migrated once per session (PostgreSQL:
CREATE DATABASE … TEMPLATE, made one ahead in the background as it takes ~0.3 s; SQLite: a file
copy). The app runs in-process (httpx + ASGI) with
its lifespan, the outbox dispatcher and the SLA worker off unless a test turns them on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI

from backend.app import create_app
from backend.kernel.config import Settings
from tests.support.auth import BOT_MARK, CallerAuth
from tests.support.db import (
    create_postgres_database,
    drop_postgres_database,
    postgres_database,
    sqlite_database,
)

ENCRYPTION_KEY = Fernet.generate_key().decode()
STAFF_TOKEN = "test-staff-token"
INTERNAL_SECRET = "test-internal-secret"
# The bot's requests: the `client` fixture signs them (tests/support/auth.py).
SERVICE_HEADERS = {BOT_MARK: "bot"}
STAFF_HEADERS = {"Authorization": f"Bearer {STAFF_TOKEN}"}


@pytest.fixture(scope="session")
def sqlite_template() -> Iterator[str]:
    with sqlite_database() as url:
        yield url


class PostgresCopies:
    """Copies of a migrated template database, the next one always being made in the
    background while a test runs; used copies are dropped in the background too."""

    def __init__(self, template: str) -> None:
        self._template = template
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pg-copies")
        self._next = self._make()
        self._drops: list[Future] = []

    def _make(self) -> Future:
        return self._pool.submit(create_postgres_database, template=self._template)

    def take(self) -> str:
        url = self._next.result()
        self._next = self._make()
        return url

    def give_back(self, url: str) -> None:
        self._drops.append(self._pool.submit(drop_postgres_database, url))

    def close(self) -> None:
        try:
            self.give_back(self._next.result())
        finally:
            for drop in self._drops:
                drop.result()
            self._pool.shutdown()


@pytest.fixture(scope="session")
def postgres_copies() -> Iterator[PostgresCopies]:
    with postgres_database() as template:
        copies = PostgresCopies(template)
        try:
            yield copies
        finally:
            copies.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        with sqlite_database(template=request.getfixturevalue("sqlite_template")) as url:
            yield url
    else:
        copies: PostgresCopies = request.getfixturevalue("postgres_copies")
        url = copies.take()
        try:
            yield url
        finally:
            copies.give_back(url)


def make_settings(database_url: str, **overrides) -> Settings:
    values = dict(
        environment="test", database_url=database_url, field_encryption_keys=ENCRYPTION_KEY,
        staff_api_token=STAFF_TOKEN, internal_secret=INTERNAL_SECRET,
        outbox_dispatcher_enabled=False, sla_worker_enabled=False, outbox_poll_seconds=0.05,
        outbox_max_backoff_seconds=0.2, outbox_delivery_timeout_seconds=2.0,
        bot_push_url="http://127.0.0.1:9/internal/push", ticket_timezone="Asia/Shanghai",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                 base_url="http://backend.test",
                                 auth=CallerAuth(INTERNAL_SECRET)) as client:
        yield client


@pytest.fixture
def create(client: httpx.AsyncClient) -> Callable:
    """POST a ticket as the bot: `await create(key="k1", **body overrides)`."""
    from tests.backend.factories import ticket_body

    async def create(key: str | None = "key-1", headers: dict | None = None,
                     **overrides) -> httpx.Response:
        all_headers = {**SERVICE_HEADERS, **(headers or {})}
        if key is not None:
            all_headers["Idempotency-Key"] = key
        return await client.post("/api/v1/tickets", json=ticket_body(**overrides),
                                  headers=all_headers)

    return create


@pytest.fixture
def change_status(client: httpx.AsyncClient) -> Callable:
    async def change(number: str, status: str, note: str | None = None,
                     override_reason: str | None = "resolved by staff") -> httpx.Response:
        """(Resolving a repair without the customer's confirmation needs a reason: given,
        unless `override_reason=None`.)"""
        body = {"status": status, "note": note}
        if status == "resolved" and override_reason is not None:
            body["override_reason"] = override_reason
        return await client.post(f"/api/v1/tickets/{number}/status", json=body,
                                 headers=STAFF_HEADERS)

    return change
