"""Low-stock alerts on SQLite and PostgreSQL: a threshold per part and outlet; the movement
that takes the outlet's balance below it raises one alert for the outlet's dispatchers, and
nothing more is raised until the outlet is restocked to the threshold. A dispatcher who works
at an outlet is shown its alerts, not another outlet's; supervisors, admins and dispatchers
who work at none are shown every outlet's."""

from __future__ import annotations

from backend.staff.enums import Role
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.parts.conftest import COMPRESSOR, OTHER_OUTLET, OUTLET, SEAL


async def open_alerts(client, headers=STAFF_HEADERS, **params) -> list[dict]:
    response = await client.get("/api/v1/stock/alerts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_one_alert_until_restocked(client, post, technicians, role_headers) -> None:
    tech = technicians[0].username
    dispatcher = role_headers["dispatcher"]
    await post("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": OUTLET,
                                          "quantity": 5})
    response = await client.put("/api/v1/stock/thresholds", headers=dispatcher, json={
        "part_number": SEAL, "outlet_id": OUTLET, "threshold": 3})
    assert response.status_code == 200, response.text
    assert (response.json()["quantity"], response.json()["threshold"]) == (5, 3)
    assert response.json()["low"] is False

    issue = {"part_number": SEAL, "outlet_id": OUTLET, "technician": tech}
    await post("/api/v1/stock/issues", {**issue, "quantity": 2}, headers=dispatcher)  # 3 left
    assert await open_alerts(client, headers=dispatcher) == []
    await post("/api/v1/stock/issues", issue, headers=dispatcher)  # 2 < 3
    [alert] = await open_alerts(client, headers=dispatcher)
    assert (alert["part_number"], alert["outlet_id"], alert["quantity"], alert["threshold"]) \
        == (SEAL, OUTLET, 2, 3)
    assert alert["outlet_name"] and alert["cleared_at"] is None
    await post("/api/v1/stock/issues", issue, headers=dispatcher)  # 1: still the one alert
    await post("/api/v1/stock/returns", issue, headers=dispatcher)  # 2: still below
    await post("/api/v1/stock/issues", {**issue, "quantity": 2}, headers=dispatcher)  # 0
    assert [a["id"] for a in await open_alerts(client)] == [alert["id"]]
    low = (await client.get("/api/v1/stock?low=true", headers=dispatcher)).json()["items"]
    assert [(b["part_number"], b["outlet_id"], b["low"]) for b in low] == [(SEAL, OUTLET, True)]

    # Restocked to the threshold: cleared; the next fall is a new alert.
    await post("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": OUTLET,
                                          "quantity": 3})
    assert await open_alerts(client) == []
    [cleared] = await open_alerts(client, open_only="false")
    assert cleared["id"] == alert["id"] and cleared["cleared_at"] is not None
    await post("/api/v1/stock/issues", issue, headers=dispatcher)
    [again] = await open_alerts(client)
    assert again["id"] != alert["id"] and again["quantity"] == 2


async def test_thresholds_are_per_outlet_and_lowering_one_clears(client, post,
                                                                 technicians) -> None:
    tech = technicians[0].username
    for outlet in (OUTLET, OTHER_OUTLET):
        await post("/api/v1/stock/receipts", {"part_number": COMPRESSOR, "outlet_id": outlet,
                                              "quantity": 2})
    response = await client.put("/api/v1/stock/thresholds", headers=STAFF_HEADERS, json={
        "part_number": COMPRESSOR, "outlet_id": OUTLET, "threshold": 2})
    assert response.status_code == 200
    for outlet in (OUTLET, OTHER_OUTLET):
        await post("/api/v1/stock/issues", {"part_number": COMPRESSOR, "outlet_id": outlet,
                                            "technician": tech})
    [alert] = await open_alerts(client)
    assert alert["outlet_id"] == OUTLET
    assert await open_alerts(client, outlet=OTHER_OUTLET) == []
    # No threshold any more: nothing is low.
    response = await client.put("/api/v1/stock/thresholds", headers=STAFF_HEADERS, json={
        "part_number": COMPRESSOR, "outlet_id": OUTLET, "threshold": None})
    assert response.status_code == 200 and response.json()["low"] is False
    assert await open_alerts(client) == []


async def test_who_sees_and_sets_alerts(client, role_headers) -> None:
    body = {"part_number": SEAL, "outlet_id": OUTLET, "threshold": 1}
    for role in ("agent", "technician", "supervisor"):
        response = await client.put("/api/v1/stock/thresholds", json=body,
                                    headers=role_headers[role])
        assert response.status_code == 403
    for role in ("agent", "technician"):
        response = await client.get("/api/v1/stock/alerts", headers=role_headers[role])
        assert response.status_code == 403
    await open_alerts(client, headers=role_headers["supervisor"])
    response = await client.put("/api/v1/stock/thresholds", headers=STAFF_HEADERS,
                                json={**body, "threshold": -1})
    assert response.status_code == 422


# ---- addressed to the outlet's dispatchers ------------------------------------------------------

async def dispatcher_at(client, add_staff, token_for, username: str,
                        outlet: int | None) -> dict[str, str]:
    """A dispatcher an admin gave `outlet` (PATCH /api/v1/staff/{username}), signed in."""
    staff = await add_staff(username, Role.dispatcher)
    response = await client.patch(f"/api/v1/staff/{username}", json={"outlet_id": outlet},
                                  headers=STAFF_HEADERS)
    assert response.status_code == 200 and response.json()["outlet_id"] == outlet
    return await token_for(staff)


async def outlets_alerted(client, headers, **params) -> list[int]:
    return sorted(a["outlet_id"] for a in await open_alerts(client, headers=headers, **params))


async def run_low(client, post, tech: str, outlet: int) -> None:
    """An admin takes the outlet's stock of the seal below its threshold (2 → 1 < 2)."""
    await post("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": outlet,
                                          "quantity": 2})
    response = await client.put("/api/v1/stock/thresholds", headers=STAFF_HEADERS, json={
        "part_number": SEAL, "outlet_id": outlet, "threshold": 2})
    assert response.status_code == 200, response.text
    await post("/api/v1/stock/issues", {"part_number": SEAL, "outlet_id": outlet,
                                        "technician": tech})


async def test_a_dispatcher_is_shown_their_outlets_alerts(client, post, technicians,
                                                          role_headers, add_staff,
                                                          token_for) -> None:
    """The alert of an outlet reaches that outlet's dispatchers (and, seeing every outlet,
    supervisors, admins and dispatchers who work at none), not another outlet's."""
    at_a = await dispatcher_at(client, add_staff, token_for, "dora", OUTLET)
    at_b = await dispatcher_at(client, add_staff, token_for, "dirk", OTHER_OUTLET)
    everyone = (role_headers["supervisor"], role_headers["admin"], STAFF_HEADERS,
                role_headers["dispatcher"])  # (the last: a dispatcher without an outlet)

    await run_low(client, post, technicians[0].username, OUTLET)
    [alert] = await open_alerts(client, headers=at_a)
    assert (alert["outlet_id"], alert["part_number"], alert["quantity"]) == (OUTLET, SEAL, 1)
    assert await open_alerts(client, headers=at_b) == []

    await run_low(client, post, technicians[0].username, OTHER_OUTLET)
    assert await outlets_alerted(client, at_a) == [OUTLET]
    assert await outlets_alerted(client, at_b) == [OTHER_OUTLET]
    for headers in everyone:
        assert await outlets_alerted(client, headers) == [OUTLET, OTHER_OUTLET]
        assert await outlets_alerted(client, headers, outlet=OTHER_OUTLET) == [OTHER_OUTLET]
    # Naming an outlet shows that one's; cleared ones by the same rule.
    assert await outlets_alerted(client, at_a, outlet=OTHER_OUTLET) == [OTHER_OUTLET]
    await post("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": OUTLET})
    assert await open_alerts(client, headers=at_a) == []
    assert await outlets_alerted(client, at_a, open_only="false") == [OUTLET]
    assert await outlets_alerted(client, at_b, open_only="false") == [OTHER_OUTLET]


async def test_moving_a_dispatcher_moves_their_alerts_at_once(client, post, technicians,
                                                              add_staff, token_for) -> None:
    dora = await dispatcher_at(client, add_staff, token_for, "dora", OUTLET)
    await run_low(client, post, technicians[0].username, OTHER_OUTLET)
    assert await open_alerts(client, headers=dora) == []

    # The same sign-in, another outlet: that outlet's from the next request on.
    await client.patch("/api/v1/staff/dora", json={"outlet_id": OTHER_OUTLET},
                       headers=STAFF_HEADERS)
    assert await outlets_alerted(client, dora) == [OTHER_OUTLET]
    await client.patch("/api/v1/staff/dora", json={"outlet_id": None}, headers=STAFF_HEADERS)
    await run_low(client, post, technicians[0].username, OUTLET)
    assert await outlets_alerted(client, dora) == [OUTLET, OTHER_OUTLET]
