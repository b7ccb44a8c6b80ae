"""Outlets: a new on-site ticket is proposed to the outlet covering its address (in any of the
three languages); staff confirm or override it; admins keep the outlets."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from backend.staff.enums import Role
from tests.backend.conftest import STAFF_HEADERS

OUTLETS = "/api/v1/outlets"


async def outlet_ids(client) -> dict[str, int]:
    """Seeded outlets by name."""
    page = (await client.get(OUTLETS, headers=STAFF_HEADERS, params={"limit": 500})).json()
    return {outlet["name"]: outlet["id"] for outlet in page["items"]}


async def detail(client, number: str) -> dict:
    response = await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("ticket_type", "address", "city", "district", "outlet"), [
    ("repair", "北京市朝阳区建国路199号", "北京", "朝阳区", "北京朝阳服务中心"),
    ("repair", "北京市西城区金融街1号", "北京", "西城区", "北京海淀服务中心"),
    ("installation", "香港九龍灣宏照道38號", "香港", "观塘区", "香港观塘服务中心"),
    ("repair", "Flat 3, 12 Nathan Road, Tsim Sha Tsui, Kowloon", "香港", "油尖旺区",
     "香港旺角服务中心"),
    ("repair", "臺北市大安區復興南路一段", "台北", "大安区", "台北信义服务中心"),  # whole city
    ("repair", "Room 8, 300 Tianhe Road, Tianhe District, Guangzhou", "广州", "天河区",
     "广州天河服务中心"),
    ("repair", "浙江省杭州市西湖区文三路", "杭州", "西湖区", None),  # no outlet there
    ("complaint", "上海市徐汇区漕溪北路", "上海", "徐汇区", None),  # nobody goes out
])
async def test_a_new_ticket_is_proposed_to_the_outlet_covering_its_address(
        create, client, ticket_type, address, city, district, outlet) -> None:
    ids = await outlet_ids(client)
    response = await create(key="k1", type=ticket_type, address=address)
    assert response.status_code == 201, response.text
    assert "city" not in response.json()  # not in the customer's view

    ticket = await detail(client, response.json()["number"])

    assert (ticket["city"], ticket["district"]) == (city, district)
    assert ticket["proposed_outlet_id"] == (ids[outlet] if outlet else None)
    assert ticket["outlet_id"] is None


async def test_the_place_is_plaintext_and_the_address_stays_encrypted(app, create) -> None:
    await create(key="k1", address="北京市朝阳区建国路199号")
    async with app.state.sessionmaker() as session:
        row = (await session.execute(text("SELECT address, city, district FROM tickets"))).one()
    assert "朝阳" not in row.address and (row.city, row.district) == ("北京", "朝阳区")


async def test_an_inactive_outlet_is_not_proposed(create, client) -> None:
    ids = await outlet_ids(client)
    assert (await client.delete(f"{OUTLETS}/{ids['上海浦东服务中心']}",
                                headers=STAFF_HEADERS)).status_code == 204

    number = (await create(key="k1")).json()["number"]  # 上海市浦东新区…

    assert (await detail(client, number))["proposed_outlet_id"] is None


async def test_staff_confirm_or_override_the_outlet_and_the_record_says_so(create,
                                                                           client) -> None:
    ids = await outlet_ids(client)
    number = (await create(key="k1")).json()["number"]  # proposed: 上海浦东
    path = f"/api/v1/tickets/{number}/outlet"

    confirmed = await client.post(path, json={"outlet_id": ids["上海浦东服务中心"]},
                                  headers=STAFF_HEADERS)
    overridden = await client.post(path, json={"outlet_id": ids["上海徐汇服务中心"]},
                                   headers=STAFF_HEADERS)

    assert confirmed.status_code == overridden.status_code == 200
    ticket = overridden.json()
    assert ticket["outlet_id"] == ids["上海徐汇服务中心"]
    assert ticket["proposed_outlet_id"] == ids["上海浦东服务中心"]
    events = [(e["kind"], e["actor"], e["note"]) for e in ticket["events"]
              if e["kind"] == "outlet_assigned"]
    assert events == [
        ("outlet_assigned", "staff:api",
         f"outlet {ids['上海浦东服务中心']} 上海浦东服务中心 (the proposed one)"),
        ("outlet_assigned", "staff:api",
         f"outlet {ids['上海徐汇服务中心']} 上海徐汇服务中心 "
         f"(proposed: {ids['上海浦东服务中心']})"),
    ]
    # A staff decision is the ticket's first response.
    assert ticket["first_response_due"] is not None
    assert ticket["sla_due_at"] != ticket["first_response_due"]


async def test_choosing_an_outlet_refuses_what_cannot_be(create, client, change_status) -> None:
    ids = await outlet_ids(client)
    number = (await create(key="k1")).json()["number"]
    path = f"/api/v1/tickets/{number}/outlet"
    await client.delete(f"{OUTLETS}/{ids['北京朝阳服务中心']}", headers=STAFF_HEADERS)

    inactive = await client.post(path, json={"outlet_id": ids["北京朝阳服务中心"]},
                                 headers=STAFF_HEADERS)
    unknown = await client.post(path, json={"outlet_id": 9999}, headers=STAFF_HEADERS)
    missing = await client.post("/api/v1/tickets/RS-20000101-0001/outlet",
                                json={"outlet_id": 1}, headers=STAFF_HEADERS)
    await change_status(number, "cancelled")
    closed = await client.post(path, json={"outlet_id": ids["上海徐汇服务中心"]},
                               headers=STAFF_HEADERS)

    assert (inactive.status_code, unknown.status_code) == (422, 422)
    assert inactive.json()["detail"] == "no active outlet with that id"
    assert missing.status_code == 404
    assert closed.status_code == 409
    assert (await detail(client, number))["outlet_id"] is None


async def test_admins_keep_outlets(client) -> None:
    body = {"name": "台北內湖服務中心", "city": "Taipei", "districts": ["內湖區", "Nangang"],
            "phone": "(02) 2790-0001", "address": "臺北市內湖區瑞光路 100 號"}

    created = await client.post(OUTLETS, json=body, headers=STAFF_HEADERS)
    assert created.status_code == 201, created.text
    outlet = created.json()
    assert (outlet["city"], outlet["districts"], outlet["active"]) == (
        "台北", ["内湖区", "南港区"], True)

    replaced = await client.put(f"{OUTLETS}/{outlet['id']}",
                                json={**body, "districts": ["内湖区"], "phone": None},
                                headers=STAFF_HEADERS)
    assert replaced.status_code == 200
    assert (replaced.json()["districts"], replaced.json()["phone"]) == (["内湖区"], None)

    taipei = (await client.get(OUTLETS, params={"city": "臺北"}, headers=STAFF_HEADERS)).json()
    assert [o["name"] for o in taipei["items"]] == ["台北信义服务中心", "台北內湖服務中心"]

    assert (await client.delete(f"{OUTLETS}/{outlet['id']}",
                                headers=STAFF_HEADERS)).status_code == 204
    gone = (await client.get(f"{OUTLETS}/{outlet['id']}", headers=STAFF_HEADERS)).json()
    assert gone["active"] is False
    active = (await client.get(OUTLETS, params={"city": "台北", "active": True},
                               headers=STAFF_HEADERS)).json()
    assert active["total"] == 1

    for method, path in (("GET", f"{OUTLETS}/9999"), ("PUT", f"{OUTLETS}/9999"),
                         ("DELETE", f"{OUTLETS}/9999")):
        response = await client.request(method, path, headers=STAFF_HEADERS,
                                        json=body if method == "PUT" else None)
        assert response.status_code == 404
    for bad in ({**body, "name": " "}, {**body, "city": ""}, {**body, "districts": [""]},
                {**body, "name": "two\nlines"}):
        assert (await client.post(OUTLETS, json=bad, headers=STAFF_HEADERS)).status_code == 422


async def test_who_may_do_what(create, client, headers_of) -> None:
    number = (await create(key="k1")).json()["number"]
    body = {"name": "X", "city": "北京"}
    for role in Role:
        headers = await headers_of(role)
        assert (await client.get(OUTLETS, headers=headers)).status_code == 200
        writes = (await client.post(OUTLETS, json=body, headers=headers)).status_code
        assert writes == (201 if role == Role.admin else 403)
        choose = (await client.post(f"/api/v1/tickets/{number}/outlet", json={"outlet_id": 1},
                                    headers=headers)).status_code
        assert choose == (200 if role in (Role.dispatcher, Role.supervisor, Role.admin)
                          else 403)
