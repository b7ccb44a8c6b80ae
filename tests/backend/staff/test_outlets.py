"""Staff belong to an outlet (服务网点), on SQLite and PostgreSQL: admins give an account an
outlet when creating it or later (API and `frontdesk staff add --outlet`), move it, remove
it; only active outlets are given; the console's session says which outlet it is."""

from __future__ import annotations

import asyncio

from backend.kernel.database import make_engine, make_sessionmaker
from backend.staff import service as staff_service
from backend.staff.enums import Role
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.staff.test_cli import run  # noqa: F401 (fixture)

STAFF = "/api/v1/staff"
PASSWORD = "a long enough password"
# Seeded by migration 0005: 北京朝阳 (1), 北京海淀 (2).
OUTLET, OTHER_OUTLET = 1, 2


async def outlet_of(client, username: str) -> int | None:
    listed = (await client.get(STAFF, headers=STAFF_HEADERS)).json()
    return next(s["outlet_id"] for s in listed if s["username"] == username)


async def test_admins_give_move_and_remove_an_outlet(client, add_staff) -> None:
    created = await client.post(STAFF, headers=STAFF_HEADERS, json={
        "username": "dora", "role": "dispatcher", "password": PASSWORD, "outlet_id": OUTLET})
    assert created.status_code == 201, created.text
    assert created.json()["outlet_id"] == OUTLET
    await add_staff("tom", Role.technician)
    assert await outlet_of(client, "tom") is None  # optional: none unless given

    moved = await client.patch(f"{STAFF}/dora", json={"outlet_id": OTHER_OUTLET},
                               headers=STAFF_HEADERS)
    assert moved.status_code == 200 and moved.json()["outlet_id"] == OTHER_OUTLET
    # Another change leaves the outlet as it is.
    renamed = await client.patch(f"{STAFF}/dora", json={"display_name": "Dora"},
                                 headers=STAFF_HEADERS)
    assert renamed.json()["outlet_id"] == OTHER_OUTLET
    removed = await client.patch(f"{STAFF}/dora", json={"outlet_id": None},
                                 headers=STAFF_HEADERS)
    assert removed.status_code == 200 and removed.json()["outlet_id"] is None
    assert await outlet_of(client, "dora") is None


async def test_only_active_outlets_and_only_admins(client, add_staff, token_for) -> None:
    await add_staff("dora", Role.dispatcher)
    await client.patch(f"{STAFF}/dora", json={"outlet_id": OUTLET}, headers=STAFF_HEADERS)
    for bad, status in ((99, 422), (0, 422), ("1", 422), (True, 422)):
        response = await client.patch(f"{STAFF}/dora", json={"outlet_id": bad},
                                      headers=STAFF_HEADERS)
        assert response.status_code == status, bad
    unknown = await client.post(STAFF, headers=STAFF_HEADERS, json={
        "username": "eve", "role": "dispatcher", "password": PASSWORD, "outlet_id": 99})
    assert unknown.status_code == 422 and "no active outlet" in unknown.json()["detail"]
    assert "eve" not in {s["username"] for s in
                         (await client.get(STAFF, headers=STAFF_HEADERS)).json()}

    # A deactivated outlet is given to nobody new; who works there keeps it.
    assert (await client.delete(f"/api/v1/outlets/{OUTLET}",
                                headers=STAFF_HEADERS)).status_code == 204
    await add_staff("finn", Role.dispatcher)
    refused = await client.patch(f"{STAFF}/finn", json={"outlet_id": OUTLET},
                                 headers=STAFF_HEADERS)
    assert refused.status_code == 422
    assert await outlet_of(client, "finn") is None
    assert await outlet_of(client, "dora") == OUTLET
    kept = await client.patch(f"{STAFF}/dora", json={"outlet_id": OUTLET, "display_name": "D"},
                              headers=STAFF_HEADERS)
    assert kept.status_code == 200 and kept.json()["outlet_id"] == OUTLET

    supervisor = await token_for(await add_staff("sue", Role.supervisor))
    response = await client.patch(f"{STAFF}/finn", json={"outlet_id": OTHER_OUTLET},
                                  headers=supervisor)
    assert response.status_code == 403
    assert await outlet_of(client, "finn") is None


async def test_the_console_session_names_the_outlet(client, add_staff, console_login) -> None:
    await add_staff("dora", Role.dispatcher)
    await client.patch(f"{STAFF}/dora", json={"outlet_id": OTHER_OUTLET},
                       headers=STAFF_HEADERS)
    session = await console_login("dora")
    response = await client.get("/console/session", headers=session.headers)
    assert response.json()["outlet_id"] == OTHER_OUTLET
    await client.patch(f"{STAFF}/dora", json={"outlet_id": None}, headers=STAFF_HEADERS)
    response = await client.get("/console/session", headers=session.headers)
    assert response.json()["outlet_id"] is None


async def _outlets(database_url: str) -> dict[str, int | None]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return {s.username: s.outlet_id
                    for s in await staff_service.list_staff(db_session=session)}
    finally:
        await engine.dispose()


def test_the_command_line_gives_an_outlet(database_url, run) -> None:  # noqa: F811
    code, out, err = run(["staff", "add", "dora", "--role", "dispatcher", "--outlet",
                          str(OTHER_OUTLET), "--password-stdin"], stdin=PASSWORD + "\n")
    assert code == 0, err

    code, out, err = run(["staff", "add", "eve", "--role", "dispatcher", "--outlet", "99",
                          "--password-stdin"], stdin=PASSWORD + "\n")
    assert (code, err) == (1, "no active outlet with id 99\n")
    code, out, err = run(["staff", "create-admin", "root", "--outlet", "0"])  # asks nothing
    assert (code, err) == (2, "outlet: an outlet's id (1 or more)\n")
    assert asyncio.run(_outlets(database_url)) == {"dora": OTHER_OUTLET}
