"""Defective parts returned for repair (坏件返修) on SQLite and PostgreSQL: recorded against the
ticket they were taken out on (with an event in its record), then removed → sent to repair →
repaired (back into an outlet's stock) or scrapped, each step once and in order."""

from __future__ import annotations

from tests.backend.conftest import STAFF_HEADERS
from tests.backend.parts.conftest import COMPRESSOR, OTHER_OUTLET, OUTLET, SEAL, ledger_agrees


async def test_a_removed_part_is_followed_to_its_end(app, client, post, technicians,
                                                    repair_for, role_headers) -> None:
    a = technicians[0]
    number = await repair_for(a.username)
    removed = await post(f"/api/v1/tickets/{number}/defective-parts",
                         {"part_number": COMPRESSOR, "part_serial": "CMP-778812",
                          "fault": "不启动，绕组短路"}, headers=a.headers)
    assert (removed["state"], removed["ticket_number"], removed["technician"]) == \
        ("removed", number, a.username)
    assert removed["part_serial"] == "CMP-778812" and removed["removed_by"] == "staff:tech-a"
    ticket = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    [event] = [e for e in ticket["events"] if e["kind"] == "part_removed"]
    assert f"#{removed['id']}" in event["note"]
    listed = (await client.get(f"/api/v1/tickets/{number}/parts", headers=a.headers)).json()
    assert [d["id"] for d in listed["removed"]] == [removed["id"]]

    path = f"/api/v1/defective-parts/{removed['id']}/state"
    dispatcher = role_headers["dispatcher"]
    await post(path, {"state": "repaired"}, headers=dispatcher, expect=409)  # not sent yet
    sent = await post(path, {"state": "sent_to_repair", "outlet_id": OUTLET},
                      headers=dispatcher, expect=200)
    assert (sent["state"], sent["outlet_id"], sent["sent_by"]) == \
        ("sent_to_repair", OUTLET, "staff:dispatcher1")
    assert sent["ended_at"] is None
    waiting = (await client.get("/api/v1/defective-parts?open_only=true",
                                headers=dispatcher)).json()
    assert [d["id"] for d in waiting["items"]] == [removed["id"]]

    repaired = await post(path, {"state": "repaired", "outlet_id": OTHER_OUTLET},
                          headers=dispatcher, expect=200)
    assert (repaired["state"], repaired["outlet_id"]) == ("repaired", OTHER_OUTLET)
    assert repaired["ended_by"] == "staff:dispatcher1" and repaired["ended_at"]
    # Back in the outlet's stock, through the ledger.
    stock = (await client.get(f"/api/v1/stock?outlet={OTHER_OUTLET}&part={COMPRESSOR}",
                              headers=STAFF_HEADERS)).json()["items"]
    assert [b["quantity"] for b in stock] == [1]
    [receipt] = (await client.get("/api/v1/stock/movements", headers=STAFF_HEADERS)
                 ).json()["items"]
    assert (receipt["kind"], receipt["defective_part_id"]) == ("receipt", removed["id"])
    await ledger_agrees(app)

    # At its end: nothing more.
    for state in ("scrapped", "sent_to_repair", "removed"):
        await post(path, {"state": state}, headers=dispatcher, expect=409)
    assert (await client.get("/api/v1/defective-parts?open_only=true",
                             headers=dispatcher)).json()["items"] == []


async def test_a_part_not_worth_sending_is_scrapped(client, post, technicians, repair_for,
                                                    role_headers) -> None:
    a = technicians[0]
    number = await repair_for(a.username)
    removed = await post(f"/api/v1/tickets/{number}/defective-parts",
                         {"part_number": SEAL, "technician": a.username},
                         headers=role_headers["supervisor"])
    path = f"/api/v1/defective-parts/{removed['id']}/state"
    await post(path, {"state": "scrapped", "outlet_id": OUTLET}, expect=422)
    scrapped = await post(path, {"state": "scrapped"}, expect=200)
    assert scrapped["state"] == "scrapped" and scrapped["sent_at"] is None
    assert (await client.get("/api/v1/defective-parts?state=scrapped",
                             headers=STAFF_HEADERS)).json()["total"] == 1
    # Repaired without an outlet: not restocked.
    second = await post(f"/api/v1/tickets/{number}/defective-parts",
                        {"part_number": SEAL}, headers=a.headers)
    path = f"/api/v1/defective-parts/{second['id']}/state"
    await post(path, {"state": "sent_to_repair"}, expect=200)
    assert (await post(path, {"state": "repaired"}, expect=200))["outlet_id"] is None
    assert (await client.get("/api/v1/stock", headers=STAFF_HEADERS)).json()["items"] == []


async def test_only_dispatchers_and_admins_move_defective_parts(client, post, technicians,
                                                                repair_for,
                                                                role_headers) -> None:
    number = await repair_for(technicians[0].username)
    removed = await post(f"/api/v1/tickets/{number}/defective-parts",
                         {"part_number": SEAL}, headers=technicians[0].headers)
    for role in ("agent", "technician", "supervisor"):
        await post(f"/api/v1/defective-parts/{removed['id']}/state", {"state": "scrapped"},
                   headers=role_headers[role], expect=403)
    await post("/api/v1/defective-parts/999/state", {"state": "scrapped"}, expect=404)
    # Not on someone else's ticket, and nothing on a part the ticket's appliance lacks.
    await post(f"/api/v1/tickets/{number}/defective-parts", {"part_number": SEAL},
               headers=technicians[1].headers, expect=404)
    await post(f"/api/v1/tickets/{number}/defective-parts", {"part_number": "AC-CMP-35"},
               headers=technicians[0].headers, expect=422)
