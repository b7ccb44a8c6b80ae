"""The ticket page's work: internal notes (staff only), replies to the customer's chat,
escalation with a reason (supervisors alerted), complaints routed to supervisors on creation,
the customer's archive (products with warranty, earlier tickets), and the queue's filters,
all applied by the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backend.kernel.clock import local_now
from backend.products.warranty import add_months
from backend.staff.enums import Role
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS, make_settings
from tests.backend.factories import PHONE
from tests.backend.sla.conftest import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    outbox,
    token_for,
)

ALERT_CHAT = "-100777"  # the supervisors' Telegram group
CUSTOMER_TICKETS = "/api/v1/customers/telegram/42/tickets"


@pytest.fixture
def settings(database_url: str):
    return make_settings(database_url, staff_alert_chat_id=ALERT_CHAT)


async def detail(client, number: str) -> dict:
    response = await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def kinds(ticket: dict) -> list[tuple[str, str | None]]:
    return [(e["kind"], e["note"]) for e in ticket["events"]]


# ---- internal notes and replies --------------------------------------------------------------

async def test_an_internal_note_stays_with_staff(app, client, create, add_staff,
                                                 token_for) -> None:
    number = (await create(key="k1")).json()["number"]
    agent = await token_for(await add_staff("amy", Role.agent))

    response = await client.post(f"/api/v1/tickets/{number}/notes", headers=agent,
                                 json={"text": "  客户脾气急，先电话联系  "})

    assert response.status_code == 201, response.text
    event = response.json()["events"][-1]
    assert (event["kind"], event["actor"], event["note"]) == (
        "internal_note", "staff:amy", "客户脾气急，先电话联系")
    assert await outbox(app) == []  # nothing goes to the chat
    customer_view = await client.get(f"{CUSTOMER_TICKETS}/{number}", headers=SERVICE_HEADERS)
    assert "脾气" not in customer_view.text


async def test_an_empty_or_overlong_note_is_refused(client, create) -> None:
    number = (await create(key="k1")).json()["number"]
    for text in ("", "   ", "x" * 2001):
        response = await client.post(f"/api/v1/tickets/{number}/notes", headers=STAFF_HEADERS,
                                     json={"text": text})
        assert response.status_code == 422, text
    missing = await client.post("/api/v1/tickets/RS-20000101-0001/notes",
                                headers=STAFF_HEADERS, json={"text": "note"})
    assert missing.status_code == 404


async def test_a_reply_goes_to_the_customers_chat_and_into_the_record(app, client, create,
                                                                      add_staff,
                                                                      token_for) -> None:
    number = (await create(key="k1")).json()["number"]
    agent = await token_for(await add_staff("amy", Role.agent, display_name="王小美"))

    response = await client.post(f"/api/v1/tickets/{number}/reply", headers=agent,
                                 json={"text": "配件已到，明天上午安排师傅。"})

    assert response.status_code == 201, response.text
    ticket = response.json()
    assert kinds(ticket)[-1] == ("staff_reply", "配件已到，明天上午安排师傅。")
    assert ticket["first_response_due"] is None or ticket["sla_state"] != "overdue"
    [push] = await outbox(app)
    assert push["kind"] == "ticket_reply"
    assert (push["channel"], push["chat_id"], push["ticket_number"]) == ("telegram", "42",
                                                                         number)
    assert (push["staff"], push["text"]) == ("王小美", "配件已到，明天上午安排师傅。")


async def test_a_technician_notes_and_replies_only_on_their_own_tickets(client, create,
                                                                        add_staff,
                                                                        token_for) -> None:
    number = (await create(key="k1")).json()["number"]
    tom = await add_staff("tom", Role.technician)
    headers = await token_for(tom)
    for action in ("notes", "reply"):
        response = await client.post(f"/api/v1/tickets/{number}/{action}", headers=headers,
                                     json={"text": "到了"})
        assert response.status_code == 404, action
    await client.post(f"/api/v1/tickets/{number}/assign", json={"assignee": "tom"},
                      headers=STAFF_HEADERS)
    for action in ("notes", "reply"):
        response = await client.post(f"/api/v1/tickets/{number}/{action}", headers=headers,
                                     json={"text": "到了"})
        assert response.status_code == 201, action


# ---- escalation ------------------------------------------------------------------------------

async def escalate(client, number: str, headers: dict = STAFF_HEADERS, **body):
    return await client.post(f"/api/v1/tickets/{number}/escalate", headers=headers,
                             json={"to": "supervisor", "reason": "客户第三次来电", **body})


async def test_escalating_to_a_supervisor_alerts_the_supervisors(app, client, create,
                                                                 add_staff, token_for) -> None:
    number = (await create(key="k1")).json()["number"]
    await add_staff("sue", Role.supervisor)
    agent = await token_for(await add_staff("amy", Role.agent))

    response = await escalate(client, number, agent, assignee="Sue")

    assert response.status_code == 200, response.text
    ticket = response.json()
    assert (ticket["escalated_to"], ticket["assignee"], ticket["status"]) == (
        "supervisor", "sue", "assigned")
    assert kinds(ticket)[1:] == [("escalated", "to supervisor (sue): 客户第三次来电"),
                                 ("assigned", "to sue"), ("status_changed", None)]
    alert, status_push = await outbox(app)
    assert (alert["kind"], alert["chat_id"], alert["ticket_number"]) == (
        "staff_alert", ALERT_CHAT, number)
    assert "主管 sue" in alert["text"] and "客户第三次来电" in alert["text"]
    assert PHONE not in json.dumps(alert, ensure_ascii=False)
    assert (status_push["chat_id"], status_push["status"]) == ("42", "assigned")
    mine = await client.get("/api/v1/tickets", params={"escalated_to": "supervisor"},
                            headers=STAFF_HEADERS)
    assert [t["number"] for t in mine.json()["items"]] == [number]


async def test_escalating_to_another_team_is_recorded_without_an_alert(app, client,
                                                                        create) -> None:
    number = (await create(key="k1")).json()["number"]

    response = await escalate(client, number, to="dispatcher", reason="地址跨区，需改派")

    assert response.status_code == 200, response.text
    assert response.json()["escalated_to"] == "dispatcher"
    assert response.json()["assignee"] is None
    assert await outbox(app) == []


async def test_an_escalation_needs_a_reason_and_a_member_of_that_team(client, create,
                                                                       add_staff,
                                                                       change_status) -> None:
    number = (await create(key="k1")).json()["number"]
    await add_staff("amy", Role.agent)
    await add_staff("tom", Role.technician)

    assert (await escalate(client, number, reason="")).status_code == 422
    assert (await escalate(client, number, reason="   ")).status_code == 422
    assert (await escalate(client, number, to="boss")).status_code == 422
    no_such = await escalate(client, number, assignee="nobody")
    assert no_such.status_code == 422 and "no staff account" in no_such.json()["detail"]
    wrong_team = await escalate(client, number, assignee="amy")
    assert wrong_team.status_code == 422 and "amy is no active supervisor" in wrong_team.text
    unnamed = await escalate(client, number, to="technician")
    assert unnamed.status_code == 422 and "name the technician" in unnamed.text
    assert (await escalate(client, "RS-20000101-0001")).status_code == 404
    assert (await escalate(client, number, to="technician", assignee="tom")).status_code == 200
    await change_status(number, "cancelled")
    closed = await escalate(client, number)
    assert closed.status_code == 409 and "cannot be escalated" in closed.text


# ---- complaints go to supervisors ---------------------------------------------------------

async def complaint(create, key: str):
    response = await create(key=key, type="complaint", description="师傅迟到两小时还态度差",
                            address=None, product=None)
    assert response.status_code == 201, response.text
    return response.json()["number"]


async def test_a_complaint_goes_to_the_least_busy_supervisor(app, client, create, add_staff,
                                                             change_status) -> None:
    await add_staff("sue", Role.supervisor)
    await add_staff("sam", Role.supervisor)
    away = await add_staff("al", Role.supervisor)
    async with app.state.sessionmaker() as session:
        (await session.merge(away)).active = False
        await session.commit()

    first = await complaint(create, "c1")
    second = await complaint(create, "c2")
    third = await complaint(create, "c3")
    await change_status(first, "cancelled")  # sue has none open now
    fourth = await complaint(create, "c4")

    owners = {n: (await detail(client, n))["assignee"] for n in (first, second, third, fourth)}
    assert owners == {first: "sue", second: "sam", third: "sue", fourth: "sue"}
    ticket = await detail(client, second)
    assert (ticket["priority"], ticket["status"], ticket["escalated_to"]) == (
        "high", "assigned", "supervisor")
    assert [(e["kind"], e["actor"]) for e in ticket["events"]] == [
        ("created", "customer:telegram:42"), ("escalated", "system:routing"),
        ("assigned", "system:routing"), ("status_changed", "system:routing")]
    alerts = await outbox(app, kind="staff_alert")
    assert len(alerts) == 4 and "已交主管 sam" in alerts[1]["text"]
    # Routing is not pushed (the bot's confirmation says who answers): only the cancellation.
    assert [p["status"] for p in await outbox(app, kind="status_changed")] == ["cancelled"]
    # Routing is no response from staff: the first-response clock still runs.
    assert ticket["sla_due_at"] == ticket["first_response_due"] is not None


async def test_a_complaint_without_a_supervisor_waits_for_one_and_alerts(app, client,
                                                                         create) -> None:
    number = await complaint(create, "c1")

    ticket = await detail(client, number)
    assert (ticket["status"], ticket["assignee"], ticket["escalated_to"]) == (
        "new", None, "supervisor")
    [alert] = await outbox(app)
    assert "暂无在岗主管" in alert["text"]


async def test_a_replayed_complaint_is_routed_once(app, create, add_staff) -> None:
    await add_staff("sue", Role.supervisor)
    first = await create(key="same", type="complaint", description="态度差", address=None)
    again = await create(key="same", type="complaint", description="态度差", address=None)
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(await outbox(app, kind="staff_alert")) == 1


# ---- the customer's archive -------------------------------------------------------------------

async def test_the_archive_lists_products_with_warranty_and_earlier_tickets(client,
                                                                            create) -> None:
    fridge = (await create(key="k1", type="installation", description="",
                           details={"delivered": "yes"})).json()["number"]
    # Bought two years ago (on any test day): the whole unit out, the main parts still in.
    bought = local_now("Asia/Shanghai").date().replace(day=1) - timedelta(days=730)
    aircon = (await create(key="k2", product="空调",
                           details={"purchase_date": bought.isoformat()})).json()["number"]
    kettle = (await create(key="k3", product="电水壶")).json()["number"]
    current = (await create(key="k4")).json()["number"]  # 冰箱 again
    await create(key="k5", customer_overrides={"chat_id": "99"})  # someone else's

    response = await client.get(f"/api/v1/tickets/{current}/archive", headers=STAFF_HEADERS)

    assert response.status_code == 200, response.text
    archive = response.json()
    assert archive["customer"]["display_name"] == "李雷"
    assert [t["number"] for t in archive["tickets"]] == [kettle, aircon, fridge]
    products = {p["product"]: p for p in archive["products"]}
    assert list(products) == ["冰箱", "空调", "电水壶"]
    today = archive["tickets"][-1]["created_at"][:10]  # the installation was today
    assert products["冰箱"]["tickets"] == 2
    assert (products["冰箱"]["purchased"], products["冰箱"]["purchased_basis"]) == (
        today, "installation")
    assert (products["冰箱"]["warranty_years"], products["冰箱"]["main_parts_years"]) == (1, 3)
    assert products["冰箱"]["warranty_status"] == "in_warranty"
    assert (products["空调"]["purchased"], products["空调"]["warranty_until"],
            products["空调"]["main_parts_until"], products["空调"]["warranty_status"]) == (
        bought.isoformat(), add_months(bought, 12).isoformat(),
        add_months(bought, 36).isoformat(), "main_parts_only")
    assert products["电水壶"]["purchased"] is None
    assert products["电水壶"]["warranty_years"] == 1  # the general policy
    assert products["电水壶"]["warranty_status"] == "unknown"


async def test_the_archive_follows_an_edited_warranty_policy(app, client, create) -> None:
    from sqlalchemy import update

    from backend.products.models import WarrantyPolicy

    await create(key="k1", product="空调", details={"purchase_date": "2024-03-01"})
    current = (await create(key="k2")).json()["number"]
    async with app.state.sessionmaker() as session:
        await session.execute(update(WarrantyPolicy).where(
            WarrantyPolicy.category == "空调", WarrantyPolicy.region == "mainland",
        ).values(whole_unit_months=72, main_parts_months=120))
        await session.commit()
    archive = (await client.get(f"/api/v1/tickets/{current}/archive",
                                headers=STAFF_HEADERS)).json()
    aircon = next(p for p in archive["products"] if p["product"] == "空调")
    assert (aircon["warranty_years"], aircon["main_parts_years"]) == (6, 10)
    assert aircon["warranty_until"] == "2030-03-01"


async def test_a_technician_sees_the_archive_of_their_own_tickets_only(client, create,
                                                                       add_staff,
                                                                       token_for) -> None:
    number = (await create(key="k1")).json()["number"]
    headers = await token_for(await add_staff("tom", Role.technician))
    path = f"/api/v1/tickets/{number}/archive"
    assert (await client.get(path, headers=headers)).status_code == 404
    await client.post(f"/api/v1/tickets/{number}/assign", json={"assignee": "tom"},
                      headers=STAFF_HEADERS)
    assert (await client.get(path, headers=headers)).status_code == 200


# ---- the queue's filters ------------------------------------------------------------------------

async def test_the_queue_filters_by_priority_outlet_and_assignee(client, create, add_staff,
                                                                 token_for) -> None:
    outlets = (await client.get("/api/v1/outlets", params={"limit": 500},
                                headers=STAFF_HEADERS)).json()["items"]
    ids = {o["name"]: o["id"] for o in outlets}
    pudong = (await create(key="k1")).json()["number"]  # 上海浦东, proposed
    beijing = (await create(key="k2", address="北京市朝阳区建国路199号",
                            priority="urgent")).json()["number"]
    moved = (await create(key="k3")).json()["number"]
    await client.post(f"/api/v1/tickets/{moved}/outlet", headers=STAFF_HEADERS,
                      json={"outlet_id": ids["上海徐汇服务中心"]})
    await add_staff("tom", Role.technician)
    dana = await token_for(await add_staff("dana", Role.dispatcher))
    await client.post(f"/api/v1/tickets/{beijing}/assign", json={"assignee": "tom"},
                      headers=dana)
    await client.post(f"/api/v1/tickets/{moved}/assign", json={"assignee": "dana"},
                      headers=dana)

    async def numbers(headers=STAFF_HEADERS, **params) -> list[str]:
        response = await client.get("/api/v1/tickets", params={"sort": "due", **params},
                                    headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["total"] == len(response.json()["items"])
        return [t["number"] for t in response.json()["items"]]

    assert await numbers(priority="urgent") == [beijing]
    assert set(await numbers(priority="normal")) == {pudong, moved}
    assert await numbers(outlet=ids["上海浦东服务中心"]) == [pudong]
    assert await numbers(outlet=ids["上海徐汇服务中心"]) == [moved]  # confirmed beats proposed
    assert await numbers(outlet=ids["北京朝阳服务中心"]) == [beijing]
    assert await numbers(assignee="TOM") == [beijing]
    assert await numbers(assignee="none") == [pudong]
    assert await numbers(dana, assignee="me") == [moved]
    assert await numbers(assignee="nobody") == []
    assert await numbers(priority="urgent", assignee="tom") == [beijing]
    every = await numbers()
    dues = [(await detail(client, n))["sla_due_at"] for n in every]
    assert dues == sorted(dues)  # soonest due first
    for bad in ({"priority": "vip"}, {"outlet": "x"}, {"outlet": 0}, {"escalated_to": "ceo"},
                {"assignee": ""}):
        response = await client.get("/api/v1/tickets", params=bad, headers=STAFF_HEADERS)
        assert response.status_code == 422, bad

