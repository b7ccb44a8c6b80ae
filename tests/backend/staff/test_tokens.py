"""API tokens: issued for a username and password (form or JSON), stored only as a digest,
revoked by their holder, dead after expiry, deactivation or a new password. Failed sign-ins:
tests/security/test_login_throttle.py."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select, update

from backend.kernel.database import utcnow
from backend.staff.enums import Role
from backend.staff.models import StaffSession
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.staff.conftest import PASSWORD

TOKEN = "/api/v1/auth/token"
TICKETS = "/api/v1/tickets"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sessions(app) -> list[StaffSession]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(StaffSession))).scalars())


async def test_a_token_for_form_or_json_opens_the_api_and_is_kept_as_a_digest(
        app, client, add_staff) -> None:
    await add_staff("alice", Role.agent)

    by_form = await client.post(TOKEN, data={"username": "alice", "password": PASSWORD})
    by_json = await client.post(TOKEN, json={"username": "ALICE ", "password": PASSWORD})

    for response in (by_form, by_json):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 12 * 3600
        assert response.headers["Cache-Control"] == "no-store"
        assert (await client.get(TICKETS, headers=bearer(body["access_token"]))).status_code == 200
    tokens = [r.json()["access_token"] for r in (by_form, by_json)]
    stored = await sessions(app)
    assert sorted(s.token_hash for s in stored) == sorted(
        hashlib.sha256(t.encode()).hexdigest() for t in tokens)
    assert all(s.kind == "api_token" and s.csrf_token is None for s in stored)
    assert all(abs(s.expires_at - utcnow() - timedelta(hours=12)) < timedelta(minutes=1)
               for s in stored)


async def test_wrong_unknown_and_deactivated_get_the_same_401(app, client, add_staff,
                                                             cheap_password_hashing,
                                                             monkeypatch) -> None:
    await add_staff("alice", Role.agent)
    await add_staff("gone", Role.agent)
    assert (await client.patch("/api/v1/staff/gone", json={"active": False},
                               headers=STAFF_HEADERS)).status_code == 200
    verifications = []
    original = cheap_password_hashing.verify
    monkeypatch.setattr(cheap_password_hashing, "verify",
                        lambda *args: verifications.append(1) or original(*args))

    answers = [await client.post(TOKEN, json={"username": name, "password": password})
               for name, password in (("alice", "wrong password"), ("nobody", PASSWORD),
                                      ("gone", PASSWORD))]

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert len({a.json()["detail"] for a in answers}) == 1
    assert len(verifications) == 3  # an unknown name costs a hash check like a wrong password
    assert await sessions(app) == []


async def test_bad_bodies_are_422_without_echo(client) -> None:
    for kwargs in ({"json": {"username": "alice"}}, {"data": {"password": "secret-123"}},
                   {"content": b"\xff\xfe", "headers": {"Content-Type": "application/json"}},
                   {"content": b"username=alice&password=", "headers": {
                       "Content-Type": "application/x-www-form-urlencoded"}},
                   {"json": {"username": "a", "password": "x" * 1000}}):
        response = await client.post(TOKEN, **kwargs)
        assert response.status_code == 422, kwargs
        assert "secret-123" not in response.text and "xxxx" not in response.text


async def test_revoked_token_stops_working(client, add_staff) -> None:
    await add_staff("alice", Role.agent)
    token = (await client.post(TOKEN, json={"username": "alice", "password": PASSWORD})
             ).json()["access_token"]
    other = (await client.post(TOKEN, json={"username": "alice", "password": PASSWORD})
             ).json()["access_token"]

    assert (await client.delete(TOKEN, headers=bearer(token))).status_code == 204

    assert (await client.get(TICKETS, headers=bearer(token))).status_code == 401
    assert (await client.delete(TOKEN, headers=bearer(token))).status_code == 401
    assert (await client.get(TICKETS, headers=bearer(other))).status_code == 200
    assert (await client.delete(TOKEN, headers=STAFF_HEADERS)).status_code == 400
    assert (await client.delete(TOKEN, headers=SERVICE_HEADERS)).status_code == 401
    assert (await client.delete(TOKEN)).status_code == 401


async def test_expired_token_is_refused_and_cleared_later(app, client, add_staff) -> None:
    await add_staff("alice", Role.agent)
    token = (await client.post(TOKEN, json={"username": "alice", "password": PASSWORD})
             ).json()["access_token"]
    async with app.state.sessionmaker() as session:
        await session.execute(update(StaffSession).values(expires_at=utcnow()))
        await session.commit()

    assert (await client.get(TICKETS, headers=bearer(token))).status_code == 401
    await client.post(TOKEN, json={"username": "alice", "password": PASSWORD})
    assert len(await sessions(app)) == 1  # the expired one went when the next one came


async def test_deactivation_and_new_password_end_sign_ins(client, add_staff) -> None:
    await add_staff("alice", Role.agent)

    async def sign_in(password: str = PASSWORD):
        return await client.post(TOKEN, json={"username": "alice", "password": password})

    token = (await sign_in()).json()["access_token"]
    await client.patch("/api/v1/staff/alice", json={"password": "a new long password"},
                       headers=STAFF_HEADERS)
    assert (await client.get(TICKETS, headers=bearer(token))).status_code == 401
    assert (await sign_in()).status_code == 401
    token = (await sign_in("a new long password")).json()["access_token"]

    await client.patch("/api/v1/staff/alice", json={"active": False}, headers=STAFF_HEADERS)
    assert (await client.get(TICKETS, headers=bearer(token))).status_code == 401
    assert (await sign_in("a new long password")).status_code == 401
    await client.patch("/api/v1/staff/alice", json={"active": True}, headers=STAFF_HEADERS)
    assert (await sign_in("a new long password")).status_code == 200


async def test_a_role_change_applies_to_tokens_already_issued(client, add_staff) -> None:
    await add_staff("alice", Role.agent)
    token = (await client.post(TOKEN, json={"username": "alice", "password": PASSWORD})
             ).json()["access_token"]
    assert (await client.get("/api/v1/staff", headers=bearer(token))).status_code == 403

    await client.patch("/api/v1/staff/alice", json={"role": "admin"}, headers=STAFF_HEADERS)

    assert (await client.get("/api/v1/staff", headers=bearer(token))).status_code == 200
