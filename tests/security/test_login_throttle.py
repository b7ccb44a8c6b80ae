"""Staff sign-in against password guessing: failed sign-ins slow down the address they come
from (per username, and per address for any usernames), with a doubling wait; an attacker
elsewhere can never lock a real admin out; failures are logged without what was typed; a
sign-in posted from another site is refused."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.kernel.database import utcnow
from backend.staff.enums import Role
from backend.staff.models import LoginFailure
from tests.backend.staff.conftest import PASSWORD

TOKEN = "/api/v1/auth/token"
LOGIN = "/console/login"


def attempt(client, username: str, password: str = "wrong password", **headers):
    return client.post(TOKEN, json={"username": username, "password": password},
                       headers=headers)


async def test_an_attacker_elsewhere_cannot_lock_the_admin_out(add_staff, clients_from) -> None:
    await add_staff("root", Role.admin)
    attacker, admin = clients_from("198.51.100.7"), clients_from("10.0.0.2")
    for _ in range(5):
        assert (await attempt(attacker, "root")).status_code == 401

    refused = await attempt(attacker, "root", PASSWORD)

    assert refused.status_code == 429
    assert 29 <= int(refused.headers["Retry-After"]) <= 30
    assert (await attempt(admin, "root", PASSWORD)).status_code == 200


async def pass_time(app, *, seconds: int) -> None:
    """As if `seconds` had passed since every failure so far."""
    async with app.state.sessionmaker() as session:
        for failure in (await session.execute(select(LoginFailure))).scalars():
            failure.created_at -= timedelta(seconds=seconds)
        await session.commit()


async def test_the_wait_doubles_with_each_further_failure(app, add_staff, clients_from) -> None:
    await add_staff("alice", Role.agent)
    attacker = clients_from("198.51.100.7")
    waits = []
    for _ in range(9):
        for _ in range(2):  # the wait is over: one more guess, then a wait again
            response = await attempt(attacker, "alice")
            if response.status_code == 429:
                waits.append(int(response.headers["Retry-After"]))
                await pass_time(app, seconds=waits[-1])
            else:
                assert response.status_code == 401

    assert waits[:5] == [30, 60, 120, 240, 480]
    assert max(waits) <= 900


async def test_many_usernames_from_one_address_make_it_wait(add_staff, clients_from) -> None:
    await add_staff("alice", Role.agent)
    sprayer = clients_from("203.0.113.5")
    for n in range(20):
        assert (await attempt(sprayer, f"guess{n}")).status_code == 401

    assert (await attempt(sprayer, "alice", PASSWORD)).status_code == 429
    assert (await attempt(clients_from("203.0.113.6"), "alice", PASSWORD)).status_code == 200


async def test_console_and_token_sign_ins_share_the_count(client, add_staff) -> None:
    await add_staff("alice", Role.agent)
    for _ in range(3):
        await attempt(client, "alice")
    for _ in range(2):
        await client.post(LOGIN, data={"username": "alice", "password": "nope"})

    response = await client.post(LOGIN, data={"username": "alice", "password": PASSWORD})

    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "set-cookie" not in response.headers


async def test_success_resets_the_count_and_failures_leave_the_window(app, client,
                                                                      add_staff) -> None:
    await add_staff("alice", Role.agent)
    for _ in range(4):
        await attempt(client, "alice")
    assert (await attempt(client, "alice", PASSWORD)).status_code == 200
    for _ in range(4):
        await attempt(client, "alice")
    assert (await attempt(client, "alice", PASSWORD)).status_code == 200  # 4 after success

    for _ in range(5):
        await attempt(client, "alice")
    assert (await attempt(client, "alice", PASSWORD)).status_code == 429
    async with app.state.sessionmaker() as session:
        await session.execute(update(LoginFailure).values(
            created_at=utcnow() - timedelta(minutes=15, seconds=1)))
        await session.commit()
    assert (await attempt(client, "alice", PASSWORD)).status_code == 200


async def test_failures_are_logged_without_username_or_password(client, add_staff,
                                                                caplog) -> None:
    await add_staff("alice", Role.agent)
    caplog.set_level(logging.INFO)
    for _ in range(6):
        await attempt(client, "alice", "Tr0ub4dor&3")
    await attempt(client, "Tr0ub4dor&3-typed-as-name")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "sign-in failed from 127.0.0.1 (account #" in logged
    assert "sign-in refused from 127.0.0.1" in logged
    assert "Tr0ub4dor" not in logged and "alice" not in logged


@pytest.mark.parametrize("path", [LOGIN, TOKEN])
async def test_a_sign_in_from_another_site_is_refused(client, add_staff, path) -> None:
    await add_staff("alice", Role.agent)
    form = {"username": "alice", "password": PASSWORD}
    for headers in ({"Origin": "https://evil.example"},
                    {"Origin": "null"},
                    {"Referer": "https://evil.example/backend.test/console/login"},
                    {"Origin": "http://backend.test.evil.example"}):
        response = await client.post(path, data=form, headers=headers)
        assert response.status_code == 403, headers
        assert "set-cookie" not in response.headers

    for headers in ({"Origin": "http://backend.test"},
                    {"Referer": "http://backend.test/console/login?next=%2Fconsole%2Flive"},
                    {}):  # a script: no Origin, no Referer
        assert (await client.post(path, data=form, headers=headers)).status_code == 200


async def test_an_allowed_origin_of_a_proxy_may_sign_in(app, client, add_staff) -> None:
    await add_staff("alice", Role.agent)
    app.state.settings = app.state.settings.model_copy(
        update={"console_allowed_origins": "https://console.example.com, https://b.example"})
    response = await client.post(LOGIN, data={"username": "alice", "password": PASSWORD},
                                 headers={"Origin": "https://console.example.com"})
    assert response.status_code == 200
