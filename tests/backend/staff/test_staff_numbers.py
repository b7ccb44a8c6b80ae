"""Staff numbers (工号) and the technician's credential (一证件): admins give an account a staff
number (unique, upper case, removable); when a visit is scheduled the customer's push names
the technician assigned (display name and staff number, nothing else), or the name alone
without a number; no technician, no line."""

from __future__ import annotations

from sqlalchemy import select

from backend.notifications.models import OutboxMessage
from backend.staff.enums import Role
from tests.backend.conftest import STAFF_HEADERS
from tests.support import clock

STAFF = "/api/v1/staff"
PASSWORD = "a long enough password"


async def pushes(app) -> list[dict]:
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [row.payload for row in rows]


async def number_of(client, username: str) -> str | None:
    listed = (await client.get(STAFF, headers=STAFF_HEADERS)).json()
    return next(s["staff_number"] for s in listed if s["username"] == username)


async def test_admins_give_change_and_remove_staff_numbers(client) -> None:
    created = await client.post(STAFF, headers=STAFF_HEADERS, json={
        "username": "wang", "display_name": "王师傅", "role": "technician",
        "password": PASSWORD, "staff_number": " t-0012 "})
    assert created.status_code == 201, created.text
    assert created.json()["staff_number"] == "T-0012"

    changed = await client.patch(f"{STAFF}/wang", json={"staff_number": "T-0013"},
                                 headers=STAFF_HEADERS)
    assert changed.status_code == 200 and changed.json()["staff_number"] == "T-0013"
    assert await number_of(client, "wang") == "T-0013"

    removed = await client.patch(f"{STAFF}/wang", json={"staff_number": None},
                                 headers=STAFF_HEADERS)
    assert removed.status_code == 200 and removed.json()["staff_number"] is None
    assert (await client.patch(f"{STAFF}/wang", json={"staff_number": "T-1"},
                               headers=STAFF_HEADERS)).json()["staff_number"] == "T-1"
    assert (await client.patch(f"{STAFF}/wang", json={"staff_number": ""},
                               headers=STAFF_HEADERS)).json()["staff_number"] is None


async def test_a_staff_number_belongs_to_one_account(client, add_staff) -> None:
    await add_staff("wang", Role.technician)
    await add_staff("li", Role.technician)
    assert (await client.patch(f"{STAFF}/wang", json={"staff_number": "T-0012"},
                               headers=STAFF_HEADERS)).status_code == 200

    taken = await client.patch(f"{STAFF}/li", json={"staff_number": "t-0012"},
                               headers=STAFF_HEADERS)
    again = await client.post(STAFF, headers=STAFF_HEADERS, json={
        "username": "zhao", "role": "technician", "password": PASSWORD,
        "staff_number": "T-0012"})
    same = await client.patch(f"{STAFF}/wang", json={"staff_number": "T-0012"},
                              headers=STAFF_HEADERS)

    assert (taken.status_code, again.status_code) == (409, 409)
    assert "T-0012" in taken.json()["detail"]
    assert same.status_code == 200  # its own number again
    assert await number_of(client, "li") is None
    assert "zhao" not in {s["username"] for s in
                          (await client.get(STAFF, headers=STAFF_HEADERS)).json()}


async def test_malformed_numbers_and_other_roles_are_refused(client, add_staff,
                                                             token_for) -> None:
    await add_staff("wang", Role.technician)
    for bad in ("T 0012", "-T12", "T12-", "工号12", "T" * 17, 12):
        response = await client.patch(f"{STAFF}/wang", json={"staff_number": bad},
                                      headers=STAFF_HEADERS)
        assert response.status_code == 422, bad
    supervisor = await token_for(await add_staff("sue", Role.supervisor))
    assert (await client.patch(f"{STAFF}/wang", json={"staff_number": "T-0012"},
                               headers=supervisor)).status_code == 403
    assert await number_of(client, "wang") is None


async def schedule(client, number: str, technician: str | None) -> None:
    if technician is not None:
        response = await client.post(f"/api/v1/tickets/{number}/assign",
                                     json={"assignee": technician}, headers=STAFF_HEADERS)
        assert response.status_code == 200, response.text
    response = await client.post(f"/api/v1/tickets/{number}/schedule", headers=STAFF_HEADERS,
                                 json={"date": clock.iso(4), "window": "afternoon"})
    assert response.status_code == 200, response.text


async def test_the_scheduled_push_names_the_technician_and_staff_number(app, client, create,
                                                                       add_staff) -> None:
    await add_staff("wang", Role.technician, display_name="王师傅")
    await client.patch(f"{STAFF}/wang", json={"staff_number": "T-0012"}, headers=STAFF_HEADERS)
    number = (await create(key="k-1")).json()["number"]

    await schedule(client, number, "wang")

    assigned, scheduled = await pushes(app)
    assert "technician" not in assigned  # told with the visit only
    assert scheduled["status"] == "scheduled"
    assert scheduled["appointment"] == {"date": clock.iso(4), "window": "afternoon"}
    # The display name and the number: nothing else about the staff member.
    assert scheduled["technician"] == {"name": "王师傅", "staff_number": "T-0012"}


async def test_without_a_staff_number_the_push_has_the_name_alone(app, client, create,
                                                                   add_staff) -> None:
    await add_staff("li", Role.technician, display_name="李师傅")
    number = (await create(key="k-1")).json()["number"]

    await schedule(client, number, "li")

    assert (await pushes(app))[-1]["technician"] == {"name": "李师傅", "staff_number": None}


async def test_no_technician_no_credential(app, client, create, add_staff) -> None:
    await add_staff("sue", Role.supervisor, display_name="Sue")
    await client.patch(f"{STAFF}/sue", json={"staff_number": "S-0001"}, headers=STAFF_HEADERS)
    unassigned = (await create(key="k-1")).json()["number"]
    by_a_supervisor = (await create(key="k-2", customer_overrides={"chat_id": "43"})
                       ).json()["number"]

    await schedule(client, unassigned, None)
    await schedule(client, by_a_supervisor, "sue")

    scheduled = [p for p in await pushes(app) if p["status"] == "scheduled"]
    assert len(scheduled) == 2
    assert all("technician" not in p for p in scheduled)
