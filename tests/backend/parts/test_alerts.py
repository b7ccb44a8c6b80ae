"""Low-stock alerts on SQLite and PostgreSQL: a threshold per part and outlet; the movement
that takes the outlet's balance below it raises one alert for the outlet's dispatchers, and
nothing more is raised until the outlet is restocked to the threshold."""

from __future__ import annotations

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
