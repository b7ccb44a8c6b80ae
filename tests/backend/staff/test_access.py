"""Who may call what, from one table: every staff route × every role (signed in with an API
token), the static staff token, the bot's service token and no token; and every service route
× every staff credential."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI

from backend.app import create_app
from backend.knowledge import service as knowledge_service
from backend.knowledge.schemas import KnowledgeEntryIn
from backend.staff.enums import ALL_ROLES, Role
from backend.tickets import actions as ticket_actions
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS, make_settings
from tests.backend.factories import ticket_body
from tests.backend.test_knowledge import entry_body

TICKET_WORKERS = ALL_ROLES  # a technician: the tickets assigned to them (here: all of them)
DISPATCHING = frozenset({Role.dispatcher, Role.supervisor, Role.admin})
ADMIN = frozenset({Role.admin})
FINISHING = frozenset({Role.technician, Role.supervisor, Role.admin})
# backend.quotes.enums.QUOTE_STAFF (a technician: the tickets assigned to them).
QUOTING = frozenset({Role.dispatcher, Role.technician, Role.supervisor, Role.admin})
NO_FAULT = {"diagnosis": "no fault found", "fault_category": "NFF",
            "checklist": {"test_run": True, "usage_explained": True, "site_cleaned": True}}
TECHNICIAN = "technician1"  # the technician caller: every ticket of the table is theirs
TARGET = "target"  # the account PATCH /api/v1/staff/{username} changes

_names = itertools.count(1)


@dataclass(frozen=True)
class Route:
    method: str
    # Placeholders, each made fresh for every call: {ticket} (a new ticket), {quoted} (one
    # with quote version 1 sent), {recorded} (one completed: its service record v1 written),
    # {entry}, {username}.
    path: str
    roles: frozenset[Role]
    success: int
    body: Callable[[], dict] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


STAFF_ROUTES = [
    Route("GET", "/api/v1/tickets", TICKET_WORKERS, 200),
    Route("GET", "/api/v1/tickets/{ticket}", TICKET_WORKERS, 200),
    Route("POST", "/api/v1/tickets/{ticket}/status", TICKET_WORKERS, 200,
          lambda: {"status": "in_progress"}),
    Route("POST", "/api/v1/tickets/{ticket}/assign", DISPATCHING, 200,
          lambda: {"assignee": TECHNICIAN}),
    Route("POST", "/api/v1/tickets/{ticket}/outlet", DISPATCHING, 200, lambda: {"outlet_id": 1}),
    Route("POST", "/api/v1/tickets/{ticket}/schedule", TICKET_WORKERS, 200,
          lambda: {"date": "2099-12-31", "window": "morning"}),
    Route("POST", "/api/v1/tickets/{ticket}/complete", FINISHING, 200, lambda: NO_FAULT),
    Route("GET", "/api/v1/tickets/{recorded}/record.pdf", ALL_ROLES, 200),
    Route("GET", "/api/v1/tickets/{ticket}/quotes", QUOTING, 200),
    Route("POST", "/api/v1/tickets/{ticket}/quotes", QUOTING, 201, lambda: {"visit": True}),
    Route("POST", "/api/v1/tickets/{quoted}/quotes/withdraw", QUOTING, 200,
          lambda: {"version": 1, "reason": "报错了价"}),
    Route("GET", "/api/v1/tickets/{ticket}/payments", QUOTING, 200),
    Route("POST", "/api/v1/tickets/{ticket}/payments", QUOTING, 201,
          lambda: {"amount": "50.00", "method": "cash", "receipt_number": f"R{next(_names)}"}),
    Route("GET", "/api/v1/tickets/{ticket}/archive", TICKET_WORKERS, 200),
    Route("POST", "/api/v1/tickets/{ticket}/notes", TICKET_WORKERS, 201,
          lambda: {"text": "internal"}),
    Route("POST", "/api/v1/tickets/{ticket}/reply", TICKET_WORKERS, 201,
          lambda: {"text": "配件已到"}),
    Route("POST", "/api/v1/tickets/{ticket}/escalate", TICKET_WORKERS, 200,
          lambda: {"to": "dispatcher", "reason": "跨区"}),
    Route("POST", "/api/v1/tickets/{ticket}/product", TICKET_WORKERS, 200,
          lambda: {"model": "BCD-470"}),
    Route("GET", "/api/v1/knowledge", ALL_ROLES, 200),
    Route("GET", "/api/v1/knowledge/{entry}", ALL_ROLES, 200),
    Route("POST", "/api/v1/knowledge", ADMIN, 201, entry_body),
    Route("PUT", "/api/v1/knowledge/{entry}", ADMIN, 200, entry_body),
    Route("DELETE", "/api/v1/knowledge/{entry}", ADMIN, 204),
    Route("GET", "/api/v1/staff", ADMIN, 200),
    Route("POST", "/api/v1/staff", ADMIN, 201,
          lambda: {"username": f"new{next(_names)}", "role": "agent",
                   "password": "a long enough password"}),
    Route("PATCH", "/api/v1/staff/{username}", ADMIN, 200, lambda: {"display_name": "Renamed"}),
]

A = "/api/v1/customers/telegram/42/tickets"
SERVICE_ROUTES = [
    Route("POST", "/api/v1/tickets", frozenset(), 201, ticket_body),
    Route("GET", A, frozenset(), 200),
    Route("GET", A + "/{ticket}", frozenset(), 200),
    Route("POST", A + "/{ticket}/cancel", frozenset(), 200, lambda: {"reason": "solved"}),
    Route("POST", A + "/{ticket}/expedite", frozenset(), 200, dict),
    Route("POST", A + "/{ticket}/feedback", frozenset(), 201, lambda: {"kind": "praise"}),
    # A fresh ticket awaits no acceptance: 409 is the bot past authentication.
    Route("POST", A + "/{ticket}/accept", frozenset(), 409, dict),
    Route("POST", A + "/{ticket}/reject", frozenset(), 409, lambda: {"note": "still noisy"}),
    # Nor an appointment to answer.
    Route("POST", A + "/{ticket}/appointment/confirm", frozenset(), 409, dict),
    Route("POST", A + "/{ticket}/appointment/change", frozenset(), 409,
          lambda: {"requested": "2026-11-30 afternoon"}),
    # Nor a service record: 404 to read, 409 to answer.
    Route("GET", A + "/{ticket}/record", frozenset(), 404),
    Route("POST", A + "/{ticket}/record/confirm", frozenset(), 409, lambda: {"version": 1}),
    Route("POST", A + "/{ticket}/record/not-fixed", frozenset(), 409, dict),
    Route("GET", A + "/{recorded}/record.pdf", frozenset(), 200),
    # A quote sent to the chat: the bot answers it.
    Route("POST", A + "/{quoted}/quote/accept", frozenset(), 200, lambda: {"version": 1}),
    Route("POST", A + "/{quoted}/quote/decline", frozenset(), 200,
          lambda: {"version": 1, "reason": "too_expensive"}),
    Route("GET", "/api/v1/knowledge/answer?language=en&topic=hours", frozenset(), 200),
]


def expected(route: Route, caller: str) -> int:
    """The answer `caller` gets: a role's account, "static" (the STAFF_API_TOKEN: an admin),
    "service" (the bot) or "none"."""
    if caller in ("service", "none"):
        return 401
    role = Role.admin if caller == "static" else Role(caller)
    return route.success if role in route.roles else 403


class World:
    """Accounts of every role with their tokens, and fresh objects for the placeholders."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, add_staff, token_for) -> None:
        self.app, self.client = app, client
        self.add_staff, self.token_for = add_staff, token_for
        self.headers: dict[str, dict] = {"static": STAFF_HEADERS, "service": SERVICE_HEADERS,
                                         "none": {}}
        self.keys = itertools.count(1)

    async def setup(self) -> World:
        for role in Role:
            staff = await self.add_staff(f"{role}1", role)
            self.headers[str(role)] = await self.token_for(staff)
            if staff.username == TECHNICIAN:
                self.technician = staff
        await self.add_staff(TARGET, Role.agent)
        return self

    async def ticket(self) -> str:
        """A new ticket of chat telegram/42, assigned to the technician (status assigned)."""
        response = await self.client.post("/api/v1/tickets", json=ticket_body(),
                                          headers={**SERVICE_HEADERS,
                                                   "Idempotency-Key": f"k{next(self.keys)}"})
        number = response.json()["number"]
        async with self.app.state.sessionmaker() as session:
            await ticket_actions.assign(db_session=session, number=number,
                                        assignee=self.technician, actor="staff:test")
        return number

    async def quoted(self) -> str:
        """A new ticket (as `ticket`) with quote version 1 (the visit fee) sent to the chat."""
        number = await self.ticket()
        response = await self.client.post(f"/api/v1/tickets/{number}/quotes",
                                          json={"visit": True}, headers=STAFF_HEADERS)
        assert response.status_code == 201, response.text
        assert response.json()["needs_acceptance"], response.text
        return number

    async def recorded(self) -> str:
        """A new ticket (as `ticket`) completed: its service record's version 1 written."""
        number = await self.ticket()
        response = await self.client.post(f"/api/v1/tickets/{number}/complete", json=NO_FAULT,
                                          headers=STAFF_HEADERS)
        assert response.status_code == 200, response.text
        return number

    async def entry(self) -> int:
        async with self.app.state.sessionmaker() as session:
            entry = await knowledge_service.create(db_session=session,
                                                   data=KnowledgeEntryIn(**entry_body()))
        return entry.id

    async def call(self, route: Route, caller: str) -> httpx.Response:
        path = route.path
        for placeholder, make in (("{ticket}", self.ticket), ("{quoted}", self.quoted),
                                  ("{recorded}", self.recorded)):
            if placeholder in path:
                path = path.replace(placeholder, await make())
        if "{entry}" in path:
            path = path.replace("{entry}", str(await self.entry()))
        path = path.replace("{username}", TARGET)
        headers = {"Idempotency-Key": f"k{next(self.keys)}", **self.headers[caller]}
        return await self.client.request(route.method, path, headers=headers,
                                         json=route.body() if route.body else None)


@pytest.fixture
async def world(app, client, add_staff, token_for) -> World:
    return await World(app, client, add_staff, token_for).setup()


CALLERS = [*(str(role) for role in Role), "static", "service", "none"]


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=str)
async def test_staff_route_answers_each_caller_by_role(world: World, route: Route) -> None:
    answers = {caller: (await world.call(route, caller)).status_code for caller in CALLERS}
    assert answers == {caller: expected(route, caller) for caller in CALLERS}


@pytest.mark.parametrize("route", SERVICE_ROUTES, ids=str)
async def test_service_route_is_the_bots_alone(world: World, route: Route,
                                               console_login) -> None:
    """No staff credential opens a service route: no role's token, not the static token, not
    a console session (with its CSRF token)."""
    console = await console_login(f"{Role.admin}1")
    world.headers["admin console"] = console.unsafe_headers
    staff_callers = [*(str(role) for role in Role), "static", "admin console"]

    answers = {caller: (await world.call(route, caller)).status_code
               for caller in [*staff_callers, "none"]}

    assert answers == dict.fromkeys([*staff_callers, "none"], 401)
    assert (await world.call(route, "service")).status_code == route.success


SIGN_IN = {("POST", "/api/v1/auth/token"), ("DELETE", "/api/v1/auth/token"),
           ("POST", "/console/login"), ("GET", "/console/session"),
           ("POST", "/console/logout")}  # in test_tokens and test_console
# The domains whose routes the table lists (others' routes get the sweep below, and belong in
# a table of their own domain's tests).
TABLE_PREFIXES = ("/api/v1/tickets", "/api/v1/customers/{channel}/{chat_id}/tickets",
                  "/api/v1/knowledge", "/api/v1/staff", "/api/v1/auth", "/console/")
# Routes under a ticket that belong to the spare parts domain: their callers are checked in
# tests/backend/parts (test_usage, test_defective), with the stock they need.
PARTS_ON_TICKETS = {("GET", "/api/v1/tickets/{number}/parts"),
                    ("POST", "/api/v1/tickets/{number}/parts"),
                    ("POST", "/api/v1/tickets/{number}/defective-parts")}
# A ticket's service record, checked in tests/backend/service_records (with a record to read;
# its PDF is in the table).
RECORDS_ON_TICKETS = {("GET", "/api/v1/tickets/{number}/record"),
                      ("GET", "/api/v1/tickets/{number}/record/verify"),
                      ("POST", "/api/v1/tickets/{number}/record/versions")}


@functools.cache
def _routes() -> frozenset[tuple[str, str]]:
    """Every route (method, path) of the app's API and console, from its OpenAPI (~3 s)."""
    paths = create_app(make_settings("sqlite+aiosqlite:///:memory:")).openapi()["paths"]
    return frozenset((method.upper(), path) for path, operations in paths.items()
                     if path.startswith(("/api/", "/console/")) for method in operations)


def _declared(path: str) -> str:
    """The route's path as the app declares it."""
    path = re.sub(r"\{(ticket|quoted|recorded)\}", "{number}", path.split("?")[0])
    return (path.replace("{entry}", "{entry_id}")
            .replace(A, "/api/v1/customers/{channel}/{chat_id}/tickets"))


def test_the_table_covers_every_route_of_its_domains() -> None:
    """A new route of these domains must be added to the table (and so get its callers
    checked)."""
    staff = {(r.method, _declared(r.path)) for r in STAFF_ROUTES}
    service = {(r.method, _declared(r.path)) for r in SERVICE_ROUTES}
    ours = {route for route in _routes() if route[1].startswith(TABLE_PREFIXES)}
    assert ours - PARTS_ON_TICKETS - RECORDS_ON_TICKETS == staff | service | SIGN_IN


async def test_every_route_wants_one_kind_of_credential(client: httpx.AsyncClient) -> None:
    """Every route of every domain (sign-in aside): no credential is 401, and the bot's token
    and a staff token do not both get past authentication."""
    for method, path in sorted(_routes() - SIGN_IN):
        url = path.replace("{channel}", "telegram")
        url = re.sub(r"\{[^}]+\}", "1", url)
        answers = {}
        for caller, headers in (("none", {}), ("service", SERVICE_HEADERS),
                                ("staff", STAFF_HEADERS)):
            response = await client.request(method, url, headers=headers)
            answers[caller] = response.status_code
        assert answers["none"] == 401, (method, path, answers)
        assert 401 in (answers["service"], answers["staff"]), (method, path, answers)
