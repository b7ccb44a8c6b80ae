"""The console on the backend alone, as its own process on PostgreSQL (no bot, no Rasa), for
the browser tests of pages that need nothing else: `backend` (module-scoped; what the bot and
staff would do, through the API) and `sign_in(username, path)`.

    from tests.e2e.console_backend import backend, sign_in  # noqa: F401 (fixtures)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from backend.kernel.config import DEV_INTERNAL_SECRET, DEV_STAFF_TOKEN
from bot.backend_client import SignedRequests
from tests.backend.conftest import ENCRYPTION_KEY
from tests.backend.factories import ticket_body
from tests.support.db import postgres_database
from tests.support.processes import Service, free_port

PASSWORD = "console-page-password"
ADMIN = {"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}


class Backend:
    def __init__(self, url: str) -> None:
        self.url = url
        self.tickets: dict[str, str] = {}  # chat id -> its latest ticket's number

    def staff(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", headers=ADMIN, timeout=10, **kwargs)

    def service(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", timeout=10,
                             auth=SignedRequests(DEV_INTERNAL_SECRET), **kwargs)

    def account(self, role: str) -> str:
        """A staff account of `role` (its password: PASSWORD); its username."""
        username = f"{role[:3]}-{uuid.uuid4().hex[:8]}"
        response = self.staff("POST", "/api/v1/staff", json={
            "username": username, "display_name": f"{role} {username[-4:]}", "role": role,
            "password": PASSWORD})
        assert response.status_code == 201, response.text
        return username

    def ticket(self, chat_id: str, **overrides) -> str:
        """A ticket of the chat's customer, as the bot files it; its number."""
        overrides.setdefault("customer_overrides", {})["chat_id"] = chat_id
        response = self.service("POST", "/api/v1/tickets",
                                headers={"Idempotency-Key": uuid.uuid4().hex},
                                json=ticket_body(**overrides))
        assert response.status_code == 201, response.text
        self.tickets[chat_id] = response.json()["number"]
        return self.tickets[chat_id]

    def product(self, chat_id: str, **body) -> dict:
        """A product the customer registers in the chat (through the bot)."""
        response = self.service("POST", f"/api/v1/customers/telegram/{chat_id}/products",
                                json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()


@contextmanager
def backend_process(database_url: str) -> Iterator[str]:
    """The backend as its own process on `database_url`, its workers off: its URL."""
    port = free_port()
    service = Service("backend", ["backend"], {
        "ENVIRONMENT": "development", "DATABASE_URL": database_url,
        "BACKEND_PORT": str(port), "OUTBOX_DISPATCHER_ENABLED": "false",
        "SLA_WORKER_ENABLED": "false", "SURVEY_WORKER_ENABLED": "false",
        "FIELD_ENCRYPTION_KEYS": ENCRYPTION_KEY,
    }, f"http://127.0.0.1:{port}/health").start(timeout=60)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()


@pytest.fixture(scope="module")
def backend():
    with postgres_database() as database_url, backend_process(database_url) as url:
        yield Backend(url)


@pytest.fixture
def sign_in(backend, browser):
    """`sign_in(username, path, ready="body[data-ready]", **screen)`: a console page signed in
    at `path`, once `ready` shows, on a desktop screen unless `screen` says otherwise (Playwright
    context options: viewport, is_mobile, has_touch); every context is closed afterwards, and a
    script error or CSP violation fails the test."""
    contexts, problems = [], []

    def open_page(username: str, path: str, ready: str = "body[data-ready]", **screen):
        screen = {"viewport": {"width": 1280, "height": 900}, **screen}
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **screen)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda message: problems.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None)
        page.goto(f"{backend.url}{path}")
        page.wait_for_url(re.compile(r"/console/login\?next="))
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(re.escape(path) + "$"))
        page.locator(ready).wait_for()
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert problems == []
