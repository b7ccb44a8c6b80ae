"""Staff fixtures: accounts of each role, signed in with an API token or a console session.

Password hashing uses cheap argon2 parameters here (the production ones cost ~0.5 s per hash on
the test machine); `test_accounts` checks the production parameters themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from backend.deps import CSRF_HEADER, SESSION_COOKIE
from backend.staff import security
from backend.staff import service as staff_service
from backend.staff.enums import CredentialKind, Role
from backend.staff.models import Staff
from backend.staff.schemas import StaffCreate
from tests.backend.conftest import INTERNAL_SECRET
from tests.support.auth import CallerAuth

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> security.PasswordHashing:
    hashing = security.PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024,
                                                      parallelism=1))
    monkeypatch.setattr(security, "hashing", hashing)
    return hashing


@pytest.fixture
def add_staff(app: FastAPI) -> Callable:
    """`await add_staff("alice", Role.agent)`: a new active account (password PASSWORD)."""

    async def add(username: str, role: Role | str, password: str = PASSWORD,
                  display_name: str | None = None) -> Staff:
        async with app.state.sessionmaker() as session:
            return await staff_service.create(db_session=session, data=StaffCreate(
                username=username, role=role, password=password, display_name=display_name))

    return add


@pytest.fixture
def token_for(app: FastAPI) -> Callable:
    """`await token_for(staff)`: Authorization headers with a fresh API token of the account
    (started directly, without a password check)."""

    async def token_for(staff: Staff) -> dict[str, str]:
        async with app.state.sessionmaker() as session:
            sign_in = await staff_service.start_session(
                db_session=session, staff=staff, kind=CredentialKind.api_token,
                lifetime=timedelta(hours=1))
        return {"Authorization": f"Bearer {sign_in.token}"}

    return token_for


@dataclass(frozen=True)
class ConsoleSession:
    cookie: str
    csrf_token: str

    @property
    def headers(self) -> dict[str, str]:
        """For a safe request: the cookie alone."""
        return {"Cookie": f"{SESSION_COOKIE}={self.cookie}"}

    @property
    def unsafe_headers(self) -> dict[str, str]:
        """For POST, PUT, PATCH, DELETE: the cookie and the CSRF token."""
        return {**self.headers, CSRF_HEADER: self.csrf_token}


@pytest.fixture
def console_login(client: httpx.AsyncClient) -> Callable:
    """`await console_login("alice")`: signs in at /console/login; the cookie and CSRF token.
    (Cookies are sent by hand: the test client's jar would not send a Secure cookie over the
    http:// base URL.)"""

    async def login(username: str, password: str = PASSWORD) -> ConsoleSession:
        response = await client.post("/console/login",
                                     data={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return ConsoleSession(cookie=response.cookies[SESSION_COOKIE],
                              csrf_token=response.json()["csrf_token"])

    return login


def client_from(app: FastAPI, ip: str) -> httpx.AsyncClient:
    """A test client whose requests come from `ip`."""
    return httpx.AsyncClient(auth=CallerAuth(INTERNAL_SECRET), transport=httpx.ASGITransport(app, client=(ip, 50000)),
                             base_url="http://backend.test")


@pytest.fixture
async def clients_from(app: FastAPI) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """`clients_from("10.0.0.7")`: a client (opened once per address) calling from there."""
    opened: dict[str, httpx.AsyncClient] = {}

    def get(ip: str) -> httpx.AsyncClient:
        if ip not in opened:
            opened[ip] = client_from(app, ip)
        return opened[ip]

    yield get
    for client in opened.values():
        await client.aclose()
