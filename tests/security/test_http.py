"""The backend's HTTP surface: security headers on every response, and rate limits per client
address on sign-ins and on requests without credentials (429 with Retry-After)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from backend.app import create_app
from backend.kernel.ratelimit import TokenBuckets
from tests.backend.conftest import STAFF_HEADERS, make_settings

TICKETS = "/api/v1/tickets"
LOGIN = "/console/login"


@pytest.fixture
def backend(database_url: str) -> Callable:
    """`async with backend(**settings) as client_from:` an app with these settings;
    `client_from(ip)` a client calling from that address."""

    @asynccontextmanager
    async def start(**overrides) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
        app = create_app(make_settings(database_url, **overrides))
        clients: list[httpx.AsyncClient] = []

        def client_from(ip: str, scheme: str = "http") -> httpx.AsyncClient:
            clients.append(httpx.AsyncClient(
                transport=httpx.ASGITransport(app, client=(ip, 50000)),
                base_url=f"{scheme}://backend.test"))
            return clients[-1]

        async with app.router.lifespan_context(app):
            yield client_from
        for client in clients:
            await client.aclose()

    return start


# ---- headers -------------------------------------------------------------------------------

async def test_api_responses_carry_the_security_headers(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/health"), await client.get(TICKETS),
                     await client.get(TICKETS, headers=STAFF_HEADERS)):
        assert response.headers["Content-Security-Policy"] == ("default-src 'none'; "
                                                               "frame-ancestors 'none'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in response.headers  # plain http


async def test_answers_to_credentials_are_never_stored(client: httpx.AsyncClient) -> None:
    assert (await client.get(TICKETS, headers=STAFF_HEADERS)).headers["Cache-Control"] == \
        "no-store"
    assert "Cache-Control" not in (await client.get("/health")).headers


async def test_console_pages_keep_their_own_policy(client: httpx.AsyncClient) -> None:
    page = await client.get(LOGIN)
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["Cache-Control"] == "no-store"


async def test_hsts_over_https_only(backend) -> None:
    async with backend() as client_from:
        secure = await client_from("10.0.0.1", scheme="https").get("/health")
        assert secure.headers["Strict-Transport-Security"] == ("max-age=31536000; "
                                                               "includeSubDomains")


# ---- rate limits ---------------------------------------------------------------------------

async def test_sign_ins_are_limited_per_address(backend) -> None:
    async with backend(rate_limit_login_per_minute=3) as client_from:
        guesser = client_from("198.51.100.1")
        form = {"username": "nobody", "password": "guess"}
        for _ in range(3):
            assert (await guesser.post(LOGIN, data=form)).status_code == 401
        refused = await guesser.post(LOGIN, data=form)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 20
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
        assert (await client_from("198.51.100.2").post(LOGIN, data=form)).status_code == 401


async def test_requests_without_credentials_are_limited_per_address(backend) -> None:
    async with backend(rate_limit_public_per_minute=5) as client_from:
        crawler = client_from("203.0.113.1")
        for _ in range(5):
            assert (await crawler.get(TICKETS)).status_code == 401
        refused = await crawler.get(TICKETS)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "try again" in refused.json()["detail"]
        # Health checks, and callers with credentials (staff, the bot), are not counted here.
        assert (await crawler.get("/health")).status_code == 200
        assert (await crawler.get(TICKETS, headers=STAFF_HEADERS)).status_code == 200
        assert (await client_from("203.0.113.2").get(TICKETS)).status_code == 401


async def test_limits_can_be_switched_off(backend) -> None:
    async with backend(rate_limit_public_per_minute=1, rate_limit_enabled=False) as client_from:
        crawler = client_from("203.0.113.1")
        assert {(await crawler.get(TICKETS)).status_code for _ in range(5)} == {401}


def test_a_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=6, capacity=2, clock=lambda: now[0])
    assert buckets.take("a") == buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(10.0)
    assert buckets.take("b") == 0.0
    now[0] = 10.0
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
