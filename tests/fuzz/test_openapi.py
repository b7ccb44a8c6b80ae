"""The backend's whole OpenAPI under schemathesis: every operation, as each kind of caller
(staff admin, the bot, nobody), in-process (ASGI): the staff and the bot on SQLite and on
PostgreSQL, with the coverage phase (boundary and invalid values) on SQLite (below,
`with_coverage`); requests without a credential on SQLite, without it (`REACHING`).

Valid and invalid requests (schemathesis's positive and negative generation) must never get a
server error, and every answer must match the schema: status code, content type, headers, body.
The database is seeded with one ticket, knowledge entry, outlet, conversation with staff and
staff account, and path parameters are now and then swapped for those, so that requests reach
past the 404 into the handlers.

FUZZ_API_EXAMPLES (default 5) sets the examples per operation and caller. Checks left out,
and why: docs/testing.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from cryptography.fernet import Fernet
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import unsupported_method

from backend.app import create_app
from backend.kernel import signing
from backend.kernel.config import Settings
from tests.backend.factories import ticket_body
from tests.support.db import postgres_database, sqlite_database

STAFF_TOKEN = "fuzz-staff-token"
INTERNAL_SECRET = "fuzz-internal-secret"
EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "5"))


class SignedAsBot(requests.auth.AuthBase):
    """Signs each request as the bot does (bot/backend_client.py), with a fresh nonce."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(request.url)
        body = request.body or b""
        request.headers.update(signing.signed_headers(
            INTERNAL_SECRET, body.encode() if isinstance(body, str) else body,
            method=request.method, target=signing.request_target(unquote(url.path), url.query)))
        return request


# How each kind of caller authenticates: keyword arguments of the request.
CALLERS = {
    "staff": {"headers": {"Authorization": f"Bearer {STAFF_TOKEN}"}},
    "bot": {"auth": SignedAsBot()},
    "nobody": {},
}


def fuzz_settings(database_url: str) -> Settings:
    return Settings(
        environment="test", database_url=database_url,
        field_encryption_keys=Fernet.generate_key().decode(),
        staff_api_token=STAFF_TOKEN, internal_secret=INTERNAL_SECRET,
        outbox_dispatcher_enabled=False, sla_worker_enabled=False, survey_worker_enabled=False,
        key_rotation_enabled=False, stats_facts_worker_enabled=False,
        bot_push_url="http://127.0.0.1:9/internal/push", rate_limit_enabled=False,
    )


def _schema(coverage: bool):
    """The schema, read from an app that never touches its database (the requests go to the
    `api` fixtures' apps on a real one); `coverage`: with schemathesis's coverage phase."""
    return schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(fuzz_settings("sqlite+aiosqlite:///:memory:")),
        config=schemathesis.Config.from_dict({
            # The callers' credentials are ours (CALLERS), not random ones.
            "generation": {"with-security-parameters": False},
            "phases": {"coverage": {"enabled": coverage}},
            "checks": {
                # Schema-valid requests that break a business rule (a visit date in the past,
                # an assignee with no account, a repair without a description) rightly get 4xx.
                "positive_data_acceptance": {"enabled": False},
                # Starlette answers 405 for one route of a path and names only that route's
                # methods in Allow (GET and POST /api/v1/outlets are two routes).
                "allow_header_conformance": {"enabled": False},
            },
        }))


# The coverage phase (every parameter's boundary and invalid values, ~¾ of the fuzz's time)
# runs on SQLite only: what it finds there is the schema's to fix (a missing bound or check),
# and it fails there too where PostgreSQL would (numbers past 64 bits overflow SQLite, past
# 32 bits PostgreSQL; NUL is refused by the schema before either). PostgreSQL gets the
# examples and the fuzzing.
with_coverage, without_coverage = _schema(coverage=True), _schema(coverage=False)


# Paths where a method the schema does not list is answered by another route (see test_api).
PATHS_SHARED = {"/console/login", "/api/v1/knowledge/answer"}


# Path parameter values that exist in the current `api` fixture's database (for the hook).
_known: dict[str, list[str]] = {}


def _seed(app: FastAPI) -> dict[str, list[str]]:
    """One of each thing a path can name, made through the API itself."""
    staff = CALLERS["staff"]["headers"]
    with asgi.get_client(app) as client:
        def ok(response):
            assert response.status_code < 300, (response.status_code, response.text)
            return response.json()

        ticket = ok(client.post("/api/v1/tickets", json=ticket_body(),
                                headers={"Idempotency-Key": "fuzz-seed"}, auth=SignedAsBot()))
        entry = ok(client.post("/api/v1/knowledge", headers=staff, json={
            "topic": "warranty", "language": "zh-Hans", "question": "保修期多久？",
            "answer": "整机保修一年。", "keywords": "保修 保修期"}))
        outlet = ok(client.post("/api/v1/outlets", headers=staff, json={
            "name": "朝阳服务网点", "city": "北京", "districts": ["朝阳区"]}))
        account = ok(client.post("/api/v1/staff", headers=staff, json={
            "username": "fuzz-agent", "display_name": "Fuzz", "role": "agent",
            "password": "a long enough password"}))
        ok(client.post("/api/v1/customers/telegram/42/handoff", auth=SignedAsBot(),
                       json={"language": "zh-Hans"}))
    return {
        "channel": ["telegram"], "chat_id": ["42"], "number": [ticket["number"]],
        "entry_id": [str(entry["id"])], "outlet_id": [str(outlet["id"])],
        "username": [account["username"]], "handoff_id": ["1"],
        "survey_id": ["1"],
    }


def _serve(database) -> Iterator[FastAPI]:
    with database() as database_url:
        app = create_app(fuzz_settings(database_url))
        try:
            _known.update(_seed(app))
            yield app
        finally:
            _known.clear()
            asgi.shutdown_lifespans()  # the app's lifespan runs on schemathesis's loop


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest) -> Iterator[FastAPI]:
    databases = {"sqlite": sqlite_database, "postgres": postgres_database}
    yield from _serve(databases[request.param])


@pytest.fixture(scope="module")
def sqlite_api() -> Iterator[FastAPI]:
    yield from _serve(sqlite_database)


@pytest.fixture(scope="module")
def postgres_api() -> Iterator[FastAPI]:
    yield from _serve(postgres_database)


def flatmap_case(context, case: schemathesis.Case) -> st.SearchStrategy:
    """Valid requests name, half the time, things that exist (invalid ones keep their invalid
    path, so that schemathesis still knows which part is wrong)."""
    known = {name: values for name, values in _known.items() if name in case.path_parameters}
    if not known or case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return st.just(case)
    real = st.fixed_dictionaries({name: st.sampled_from(values)
                                  for name, values in known.items()})
    return st.one_of(st.just(case),
                     real.map(lambda values: case.path_parameters.update(values) or case))


with_coverage.hook(flatmap_case)
without_coverage.hook(flatmap_case)


def _call(case: schemathesis.Case, caller: str, api: FastAPI) -> None:
    # No 405 where another route answers the method: the console's pages share paths with
    # its API (GET /console/login is the sign-in page, outside the schema on purpose), and
    # PUT /knowledge/answer is PUT /knowledge/{entry_id} with a wrong id (a clear 422).
    excluded = [unsupported_method] if case.operation.path in PATHS_SHARED else []
    case.call_and_validate(app=api, excluded_checks=excluded, **CALLERS[caller])


# The callers that get past authentication (each on its own routes; the sign-in routes take
# anyone): their requests reach the handlers, so they get the coverage phase and PostgreSQL.
# A request with no credential is turned away before anything of it is read (test_access
# checks that on every route): fuzzed too, but without the coverage phase and on SQLite only.
REACHING = ("staff", "bot")


@with_coverage.parametrize()
@pytest.mark.parametrize("caller", REACHING)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_on_sqlite(case: schemathesis.Case, caller: str, sqlite_api: FastAPI) -> None:
    _call(case, caller, sqlite_api)


@without_coverage.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_without_credentials(case: schemathesis.Case, sqlite_api: FastAPI) -> None:
    _call(case, "nobody", sqlite_api)


@without_coverage.parametrize()
@pytest.mark.parametrize("caller", REACHING)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_on_postgres(case: schemathesis.Case, caller: str, postgres_api: FastAPI) -> None:
    _call(case, caller, postgres_api)


# What the fuzzer found, kept as plain requests (status expected) so that each stays fixed.
FOUND = [
    # An empty filter became None before its length was checked: 500.
    ("GET", "/api/v1/stats?technician=", 200),
    ("GET", "/api/v1/stats.csv?product=&outlet=", 200),
    # Pydantic read a number as seconds since 1970: the report of 1970-01-01.
    ("GET", "/api/v1/stats?to=0", 422),
    ("GET", "/api/v1/stats?from=20261101", 422),
    # Numbers beyond 64 bits reached SQLite: OverflowError, 500.
    ("GET", "/api/v1/outlets?offset=9223372036854775808", 422),
    ("GET", "/api/v1/tickets?outlet=9223372036854775808", 422),
    ("GET", "/api/v1/handoff/99999999999999999999", 422),
    # PostgreSQL refuses NUL even in a lookup: 500.
    ("GET", "/api/v1/tickets?assignee=a%00b", 422),
    ("GET", "/api/v1/outlets?city=%00", 422),
    ("PATCH", "/api/v1/staff/a%00b", 422),
    ("GET", "/api/v1/stats?technician=a%00b", 422),
]


@pytest.mark.parametrize(("method", "path", "expected"), FOUND)
def test_found_by_fuzzing(api: FastAPI, method: str, path: str, expected: int) -> None:
    with asgi.get_client(api) as client:
        response = client.request(method, path, **CALLERS["staff"])
    assert response.status_code == expected, response.text


@pytest.mark.parametrize(("caller", "path", "body"), [
    ("nobody", "/api/v1/auth/token", {"username": "a\x00b", "password": "a long password"}),
    ("staff", "/api/v1/tickets/RS-20261124-0001/assign", {"assignee": "\x00"}),
    ("bot", "/api/v1/customers/telegram/4%002/handoff", {"language": "en"}),
])
def test_a_nul_where_a_name_goes_is_a_422(api: FastAPI, caller: str, path: str, body: dict) -> None:
    """PostgreSQL refuses NUL even in a lookup: these were 500s."""
    with asgi.get_client(api) as client:
        response = client.post(path, json=body, **CALLERS[caller])
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("active", [0, 1, "no", None])
def test_a_yes_or_no_is_true_or_false(api: FastAPI, active) -> None:
    """`"active": 0` made an outlet inactive although the schema says boolean."""
    with asgi.get_client(api) as client:
        response = client.post("/api/v1/outlets", **CALLERS["staff"],
                               json={"name": "网点", "city": "北京", "active": active})
    assert response.status_code == 422, response.text


def test_a_text_too_long_as_sent_is_a_422_though_cleaning_would_shorten_it(api: FastAPI) -> None:
    """A question of 201 characters, control characters among them, was accepted: the length
    was checked after the cleaning removed them (found by the fuzzer on PostgreSQL)."""
    with asgi.get_client(api) as client:
        response = client.post("/api/v1/knowledge", **CALLERS["staff"], json={
            "topic": "usage", "language": "zh-Hans", "question": "\x02" + "问" * 200,
            "answer": "答"})
    assert response.status_code == 422, response.text
