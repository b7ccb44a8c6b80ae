"""Stock per outlet and technician as a ledger, on SQLite and PostgreSQL: receipts, issues and
returns each write one movement and change the balances with it; a holder without enough is
refused and nothing is written; the balances kept are what the ledger gives; who may move
and who may read."""

from __future__ import annotations

import pytest

from tests.backend.conftest import STAFF_HEADERS
from tests.backend.parts.conftest import COMPRESSOR, OTHER_OUTLET, OUTLET, SEAL, ledger_agrees


async def balances(client, headers=STAFF_HEADERS, **params) -> dict[tuple, int]:
    response = await client.get("/api/v1/stock", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {(b["part_number"], b["outlet_id"] or b["technician"]): b["quantity"]
            for b in response.json()["items"]}


async def test_receipt_issue_and_return_move_stock_through_the_ledger(
        app, client, post, technicians) -> None:
    tech = technicians[0].username
    receipt = await post("/api/v1/stock/receipts", {"part_number": "rf-cmp", "outlet_id": OUTLET,
                                                     "quantity": 5, "reference": "DN-0001"})
    assert receipt["kind"] == "receipt" and receipt["to_outlet_id"] == OUTLET
    assert receipt["from_outlet_id"] is None and receipt["reference"] == "DN-0001"
    assert receipt["actor"] == "staff:api"
    issue = await post("/api/v1/stock/issues", {"part_number": COMPRESSOR, "outlet_id": OUTLET,
                                                 "technician": tech.upper(), "quantity": 3})
    assert (issue["kind"], issue["from_outlet_id"], issue["to_technician"]) == \
        ("issue", OUTLET, tech)
    back = await post("/api/v1/stock/returns", {"part_number": COMPRESSOR, "outlet_id": OUTLET,
                                                 "technician": tech, "quantity": 1})
    assert (back["kind"], back["from_technician"], back["to_outlet_id"]) == \
        ("return", tech, OUTLET)

    assert await balances(client) == {(COMPRESSOR, OUTLET): 3, (COMPRESSOR, tech): 2}
    assert await balances(client, holders="technicians") == {(COMPRESSOR, tech): 2}
    assert await balances(client, technician=tech) == {(COMPRESSOR, tech): 2}
    assert await balances(client, outlet=OUTLET, part="rf-cmp") == {(COMPRESSOR, OUTLET): 3}
    ledger = (await client.get("/api/v1/stock/movements", headers=STAFF_HEADERS)).json()
    assert [m["kind"] for m in ledger["items"]] == ["return", "issue", "receipt"]
    assert ledger["total"] == 3
    ledger = (await client.get(f"/api/v1/stock/movements?technician={tech}&kind=issue",
                               headers=STAFF_HEADERS)).json()
    assert [m["id"] for m in ledger["items"]] == [issue["id"]]
    await ledger_agrees(app)


async def test_no_holder_goes_below_zero(app, client, post, technicians) -> None:
    tech = technicians[0].username
    await post("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": OUTLET,
                                          "quantity": 2})
    short = await post("/api/v1/stock/issues", {"part_number": SEAL, "outlet_id": OUTLET,
                                                "technician": tech, "quantity": 3}, expect=409)
    assert "not enough" in short["detail"]
    # The other outlet has none, the technician has none to return.
    await post("/api/v1/stock/issues", {"part_number": SEAL, "outlet_id": OTHER_OUTLET,
                                        "technician": tech}, expect=409)
    await post("/api/v1/stock/returns", {"part_number": SEAL, "outlet_id": OUTLET,
                                         "technician": tech}, expect=409)
    await post("/api/v1/stock/issues", {"part_number": SEAL, "outlet_id": OUTLET,
                                        "technician": tech, "quantity": 2})
    await post("/api/v1/stock/returns", {"part_number": SEAL, "outlet_id": OUTLET,
                                         "technician": tech, "quantity": 3}, expect=409)
    assert await balances(client, part=SEAL) == {(SEAL, OUTLET): 0, (SEAL, tech): 2}
    ledger = (await client.get("/api/v1/stock/movements", headers=STAFF_HEADERS)).json()
    assert ledger["total"] == 2  # the refused ones wrote nothing
    await ledger_agrees(app)


@pytest.mark.parametrize(("body", "status", "named"), [
    ({"part_number": "NOPE-1"}, 404, "no such part"),
    ({"outlet_id": 999}, 422, "no active outlet"),
    ({"technician": "agent-x"}, 422, "no active technician"),
    ({"quantity": 0}, 422, "quantity"),
    ({"quantity": -2}, 422, "quantity"),
])
async def test_what_cannot_be_moved_is_refused(client, post, technicians, body, status,
                                               named) -> None:
    move = {"part_number": COMPRESSOR, "outlet_id": OUTLET,
            "technician": technicians[0].username, "quantity": 1, **body}
    answer = await post("/api/v1/stock/issues", move, expect=status)
    assert named in str(answer["detail"])


async def test_a_deactivated_part_is_not_issued_but_may_come_back(client, post, stock_technician,
                                                                 technicians) -> None:
    tech = technicians[0].username
    await stock_technician(tech, COMPRESSOR, 2)
    assert (await client.delete(f"/api/v1/parts/{COMPRESSOR}", headers=STAFF_HEADERS)
            ).status_code == 204
    await post("/api/v1/stock/receipts", {"part_number": COMPRESSOR, "outlet_id": OUTLET},
               expect=422)
    await post("/api/v1/stock/returns", {"part_number": COMPRESSOR, "outlet_id": OUTLET,
                                         "technician": tech})
    await post("/api/v1/stock/issues", {"part_number": COMPRESSOR, "outlet_id": OUTLET,
                                        "technician": tech}, expect=422)


async def test_who_moves_and_who_reads_stock(client, post, role_headers, technicians,
                                             stock_technician) -> None:
    a, b = technicians
    await stock_technician(a.username, COMPRESSOR, 1)
    await stock_technician(b.username, SEAL, 2)
    move = {"part_number": SEAL, "outlet_id": OUTLET, "quantity": 1}
    for role in ("agent", "technician", "supervisor"):
        await post("/api/v1/stock/receipts", move, headers=role_headers[role], expect=403)
        await post("/api/v1/stock/issues", {**move, "technician": a.username},
                   headers=role_headers[role], expect=403)
    await post("/api/v1/stock/receipts", move, headers=role_headers["dispatcher"])
    # A technician sees their own stock and movements only, whatever they ask for.
    assert await balances(client, headers=a.headers) == {(COMPRESSOR, a.username): 1}
    assert await balances(client, headers=a.headers, technician=b.username,
                          holders="outlets") == {(COMPRESSOR, a.username): 1}
    mine = (await client.get("/api/v1/stock/movements", headers=a.headers)).json()["items"]
    assert {m["to_technician"] for m in mine} == {a.username}
    assert await balances(client, headers=role_headers["supervisor"], technician="nobody") == {}
    assert (await client.get("/api/v1/stock", headers=role_headers["agent"])).status_code == 403
