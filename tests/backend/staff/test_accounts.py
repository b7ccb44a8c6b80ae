"""Staff accounts (admin): create, list, change; names unique and case-insensitive, passwords
of at least 10 characters kept as argon2id hashes, at least one active admin left."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from backend.staff import security
from backend.staff.models import Staff
from tests.backend.conftest import STAFF_HEADERS

STAFF = "/api/v1/staff"


def account(username: str = "alice", role: str = "agent", **overrides) -> dict:
    return {"username": username, "role": role, "password": "a long enough password",
            **overrides}


async def test_create_and_list(app, client) -> None:
    created = await client.post(STAFF, json=account("Alice", display_name=" Alice Li "),
                                headers=STAFF_HEADERS)
    await client.post(STAFF, json=account("bob", "technician"), headers=STAFF_HEADERS)

    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"username", "display_name", "staff_number", "outlet_id", "role",
                         "active", "created_at"}
    assert (body["username"], body["display_name"], body["role"], body["active"]) == (
        "alice", "Alice Li", "agent", True)
    listed = (await client.get(STAFF, headers=STAFF_HEADERS)).json()
    assert [(s["username"], s["display_name"], s["role"]) for s in listed] == [
        ("alice", "Alice Li", "agent"), ("bob", "bob", "technician")]
    async with app.state.sessionmaker() as session:
        hashes = (await session.execute(select(Staff.password_hash))).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert "a long enough password" not in created.text


async def test_refused_accounts(client) -> None:
    await client.post(STAFF, json=account("alice"), headers=STAFF_HEADERS)
    assert (await client.post(STAFF, json=account("ALICE"), headers=STAFF_HEADERS)
            ).status_code == 409
    for body in (account("api"), account("a"), account("has space"), account("x" * 65),
                 account("-dash"), account(role="owner"), account(password="short-pw"),
                 account(password="x" * 257), account(display_name="x" * 101)):
        response = await client.post(STAFF, json=body, headers=STAFF_HEADERS)
        assert response.status_code == 422, body
        assert "short-pw" not in response.text
    assert len((await client.get(STAFF, headers=STAFF_HEADERS)).json()) == 1


async def test_change_role_name_and_active(client) -> None:
    await client.post(STAFF, json=account("alice"), headers=STAFF_HEADERS)

    changed = await client.patch(f"{STAFF}/Alice", json={"role": "supervisor",
                                                        "display_name": "Alice L."},
                                 headers=STAFF_HEADERS)
    off = await client.patch(f"{STAFF}/alice", json={"active": False}, headers=STAFF_HEADERS)

    assert changed.status_code == 200
    assert (changed.json()["role"], changed.json()["display_name"]) == ("supervisor",
                                                                        "Alice L.")
    assert off.json()["active"] is False
    assert (await client.patch(f"{STAFF}/nobody", json={"active": False},
                               headers=STAFF_HEADERS)).status_code == 404
    for body in ({}, {"role": None}, {"password": "short"}, {"role": "owner"},
                 {"display_name": ""}):
        assert (await client.patch(f"{STAFF}/alice", json=body, headers=STAFF_HEADERS)
                ).status_code == 422, body


async def test_the_last_active_admin_stays(client) -> None:
    await client.post(STAFF, json=account("root", "admin"), headers=STAFF_HEADERS)
    for body in ({"role": "agent"}, {"active": False}):
        refused = await client.patch(f"{STAFF}/root", json=body, headers=STAFF_HEADERS)
        assert refused.status_code == 409, body

    await client.post(STAFF, json=account("second", "admin"), headers=STAFF_HEADERS)
    assert (await client.patch(f"{STAFF}/root", json={"role": "agent"},
                               headers=STAFF_HEADERS)).status_code == 200
    assert (await client.patch(f"{STAFF}/second", json={"active": False},
                               headers=STAFF_HEADERS)).status_code == 409
    # Changing anything else of the last admin is fine.
    assert (await client.patch(f"{STAFF}/second", json={"display_name": "Root"},
                               headers=STAFF_HEADERS)).status_code == 200


def test_production_hashing_uses_rfc_9106_low_memory_parameters() -> None:
    """argon2id, t=3, 64 MiB, p=4 (the tests themselves swap in cheaper ones)."""
    hasher = security.PasswordHashing().hasher
    reference = PasswordHasher()
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert (hasher.time_cost, hasher.memory_cost) == (reference.time_cost,
                                                      reference.memory_cost)


async def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(
        app, client, add_staff, monkeypatch) -> None:
    await add_staff("alice", "agent")  # made with the cheap test parameters
    stronger = security.PasswordHashing(PasswordHasher(time_cost=2, memory_cost=2048,
                                                       parallelism=1))
    monkeypatch.setattr(security, "hashing", stronger)

    response = await client.post("/api/v1/auth/token", json={
        "username": "alice", "password": "correct horse battery"})

    assert response.status_code == 200
    async with app.state.sessionmaker() as session:
        (stored,) = (await session.execute(select(Staff.password_hash))).scalars()
    assert "m=2048,t=2,p=1" in stored
