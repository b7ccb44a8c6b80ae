"""The console's sign-in: a server-side session behind an HttpOnly, SameSite=Lax cookie (Secure
outside development), and a CSRF token every unsafe cookie-authenticated request must carry."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from backend.app import create_app
from backend.deps import CSRF_HEADER, SESSION_COOKIE
from backend.kernel.database import utcnow
from backend.staff.enums import Role
from backend.staff.models import StaffSession
from tests.backend.conftest import INTERNAL_SECRET, SERVICE_HEADERS, make_settings
from tests.backend.factories import ticket_body
from tests.backend.staff.conftest import PASSWORD
from tests.support.auth import CallerAuth

LOGIN, LOGOUT, SESSION = "/console/login", "/console/logout", "/console/session"


def set_cookie(response: httpx.Response) -> str:
    (header,) = response.headers.get_list("set-cookie")
    return header


async def new_ticket(client: httpx.AsyncClient, key: str = "k-1") -> str:
    response = await client.post("/api/v1/tickets", json=ticket_body(),
                                 headers={**SERVICE_HEADERS, "Idempotency-Key": key})
    return response.json()["number"]


async def test_login_sets_a_hardened_cookie_and_gives_the_csrf_token(app, client,
                                                                     add_staff) -> None:
    await add_staff("alice", Role.agent, display_name="Alice Li")

    response = await client.post(LOGIN, data={"username": "alice", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["display_name"], body["role"]) == ("alice", "Alice Li",
                                                                       "agent")
    cookie = set_cookie(response)
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "path", "max-age"} <= attributes
    assert "samesite=lax" in cookie.lower()
    assert response.headers["Cache-Control"] == "no-store"
    async with app.state.sessionmaker() as session:
        (stored,) = (await session.execute(select(StaffSession))).scalars()
    assert stored.kind == "console" and stored.csrf_token == body["csrf_token"]
    assert response.cookies[SESSION_COOKIE] not in (stored.token_hash, stored.csrf_token)


async def test_cookie_is_not_secure_in_development(database_url, add_staff) -> None:
    app = create_app(make_settings(database_url, environment="development"))
    async with app.router.lifespan_context(app), httpx.AsyncClient(auth=CallerAuth(INTERNAL_SECRET), 
            transport=httpx.ASGITransport(app), base_url="http://backend.test") as client:
        await add_staff("alice", Role.agent)
        response = await client.post(LOGIN, json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert "secure" not in set_cookie(response).lower()


async def test_the_session_reads_and_with_csrf_writes(client, add_staff,
                                                      console_login) -> None:
    await add_staff("alice", Role.agent)
    console = await console_login("alice")
    number = await new_ticket(client)
    url = f"/api/v1/tickets/{number}/status"

    assert (await client.get("/api/v1/tickets", headers=console.headers)).status_code == 200
    me = await client.get(SESSION, headers=console.headers)
    assert me.json()["csrf_token"] == console.csrf_token and me.json()["username"] == "alice"

    no_token = await client.post(url, json={"status": "scheduled"}, headers=console.headers)
    wrong = await client.post(url, json={"status": "scheduled"},
                              headers={**console.headers, CSRF_HEADER: "x" * 43})
    assert (no_token.status_code, wrong.status_code) == (403, 403)
    assert "CSRF" in no_token.json()["detail"]

    done = await client.post(url, json={"status": "scheduled"}, headers=console.unsafe_headers)
    assert done.status_code == 200
    (event,) = [e for e in done.json()["events"] if e["kind"] == "status_changed"]
    assert event["actor"] == "staff:alice"


async def test_csrf_tokens_belong_to_their_session(client, add_staff, console_login) -> None:
    await add_staff("alice", Role.admin)
    await add_staff("bob", Role.admin)
    alice, bob = await console_login("alice"), await console_login("bob")
    body = {"username": "carol", "role": "agent", "password": "a long enough password"}

    crossed = await client.post("/api/v1/staff", json=body,
                                headers={**alice.headers, CSRF_HEADER: bob.csrf_token})

    assert crossed.status_code == 403
    assert (await client.post("/api/v1/staff", json=body,
                              headers=alice.unsafe_headers)).status_code == 201


async def test_a_cookie_is_no_bearer_token_and_a_bearer_token_no_cookie(client, add_staff,
                                                                        console_login) -> None:
    await add_staff("alice", Role.agent)
    console = await console_login("alice")
    token = (await client.post("/api/v1/auth/token", json={"username": "alice",
                                                           "password": PASSWORD})
             ).json()["access_token"]

    as_bearer = {"Authorization": f"Bearer {console.cookie}"}
    as_cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}
    for headers in (as_bearer, as_cookie):
        assert (await client.get("/api/v1/tickets", headers=headers)).status_code == 401
    # A bearer token, when given, decides (a wrong one is not rescued by a good cookie).
    mixed = {**console.headers, "Authorization": "Bearer wrong"}
    assert (await client.get("/api/v1/tickets", headers=mixed)).status_code == 401
    # Bearer requests need no CSRF token: browsers do not add Authorization on their own.
    number = await new_ticket(client)
    assert (await client.post(f"/api/v1/tickets/{number}/status", json={"status": "scheduled"},
                              headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_logout_needs_csrf_and_ends_the_session(app, client, add_staff,
                                                      console_login) -> None:
    await add_staff("alice", Role.agent)
    console = await console_login("alice")

    assert (await client.post(LOGOUT, headers=console.headers)).status_code == 403
    assert (await client.get(SESSION, headers=console.headers)).status_code == 200
    # A form posted by a console page carries the token as a field.
    response = await client.post(LOGOUT, headers=console.headers,
                                 data={"csrf_token": console.csrf_token})

    assert response.status_code == 204
    assert SESSION_COOKIE in set_cookie(response) and "max-age=0" in set_cookie(response).lower()
    assert (await client.get(SESSION, headers=console.headers)).status_code == 401
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(StaffSession))).scalars().all() == []
    # Signing out again, or with no session, still clears the cookie.
    again = await client.post(LOGOUT, headers=console.unsafe_headers)
    assert again.status_code == 204 and "max-age=0" in set_cookie(again).lower()


async def test_login_again_replaces_the_session(app, client, add_staff, console_login) -> None:
    await add_staff("alice", Role.agent)
    first = await console_login("alice")

    second = await client.post(LOGIN, headers=first.headers,
                               data={"username": "alice", "password": PASSWORD})

    assert second.status_code == 200
    assert (await client.get(SESSION, headers=first.headers)).status_code == 401
    async with app.state.sessionmaker() as session:
        assert len((await session.execute(select(StaffSession))).scalars().all()) == 1


async def test_expired_session_is_refused(app, client, add_staff, console_login) -> None:
    await add_staff("alice", Role.agent)
    console = await console_login("alice")
    async with app.state.sessionmaker() as session:
        await session.execute(update(StaffSession).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()

    assert (await client.get(SESSION, headers=console.headers)).status_code == 401
    assert (await client.get("/api/v1/tickets", headers=console.headers)).status_code == 401


async def test_the_session_carries_the_role(client, add_staff, console_login) -> None:
    await add_staff("tina", Role.technician)
    console = await console_login("tina")
    number = await new_ticket(client)

    assert (await client.get(f"/api/v1/tickets/{number}",
                             headers=console.headers)).status_code == 404
    assert (await client.get("/api/v1/knowledge", headers=console.headers)).status_code == 200
    assert (await client.delete("/api/v1/knowledge/1",
                                headers=console.unsafe_headers)).status_code == 403
    # The session route is the console's; an API token gets no CSRF token there.
    token = (await client.post("/api/v1/auth/token", json={"username": "tina",
                                                           "password": PASSWORD})
             ).json()["access_token"]
    assert (await client.get(SESSION, headers={"Authorization": f"Bearer {token}"})
            ).status_code == 401
