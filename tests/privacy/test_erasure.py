"""A customer's data export and erasure through the API, on SQLite and PostgreSQL: what the
customer and staff see, what is left in the database, and that the statistics do not move."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text

from backend.kernel import crypto
from backend.kernel.clock import local_now
from backend.staff.enums import Role
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.factories import ADDRESS, PHONE

NAME = "李雷"
OWN = "/api/v1/customers/telegram/42/personal-data"


async def raw(app, query: str) -> list[tuple]:
    async with app.state.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(query))]


async def finished_ticket(app, create, change_status, client, key: str, rating: int,
                          comment: str) -> str:
    """A repair ticket taken to resolved, with its survey answered."""
    number = (await create(key=key)).json()["number"]
    for status in ("assigned", "in_progress", "resolved"):
        response = await change_status(number, status, note=f"called {PHONE}")
        assert response.status_code == 200, response.text
    [(survey_id,)] = await raw(app, "SELECT s.id FROM surveys s JOIN tickets t "
                               f"ON t.id = s.ticket_id WHERE t.number = '{number}'")
    for question, value in (("solved", True), ("rating", rating), ("comment", comment)):
        answered = await client.post(f"/api/v1/customers/telegram/42/surveys/{survey_id}/answers",
                                     json={"question": question, "value": value},
                                     headers=SERVICE_HEADERS)
        assert answered.status_code == 200, answered.text
    return number


async def test_the_customer_sees_everything_held_about_them(app, client, create,
                                                            change_status):
    number = await finished_ticket(app, create, change_status, client, "k-1", 4, "师傅很准时")
    response = await client.get(OWN, headers=SERVICE_HEADERS)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["display_name"] == NAME
    assert [(c["channel"], c["chat_id"]) for c in data["chats"]] == [("telegram", "42")]
    [ticket] = data["tickets"]
    assert (ticket["number"], ticket["status"], ticket["phone"], ticket["address"]) == (
        number, "resolved", PHONE, ADDRESS)
    assert [e["to_status"] for e in ticket["events"] if e["kind"] == "status_changed"] == [
        "assigned", "in_progress", "resolved"]
    [survey] = data["surveys"]
    assert (survey["ticket_number"], survey["rating"], survey["comment"]) == (
        number, 4, "师傅很准时")
    assert [a["kind"] for a in data["privacy_log"]] == ["exported"]

    # Another chat's data is not theirs; an unknown chat has none.
    other = await client.get("/api/v1/customers/telegram/43/personal-data",
                             headers=SERVICE_HEADERS)
    assert other.status_code == 404
    assert (await client.get(OWN, headers=STAFF_HEADERS)).status_code == 401


async def test_erasure_keeps_the_statistics_and_leaves_no_personal_data(
        app, client, create, change_status, caplog):
    caplog.set_level(logging.INFO)
    finished = await finished_ticket(app, create, change_status, client, "k-1", 5,
                                     f"打 {PHONE} 找我")
    # A ticket of someone else, which must not change.
    other = (await create(key="k-other", customer_overrides={"chat_id": "43"},
                          description="漏水")).json()["number"]
    today = local_now("Asia/Shanghai").date()
    stats_query = {"from": str(today - timedelta(days=40)), "to": str(today + timedelta(days=2)),
                   "group_by": "week"}
    before = await client.get("/api/v1/stats", params=stats_query, headers=STAFF_HEADERS)
    assert before.status_code == 200, before.text

    erased = await client.delete(OWN, headers=SERVICE_HEADERS)
    assert erased.status_code == 200, erased.text
    assert erased.json()["tickets_anonymised"] == 1
    assert erased.json()["tickets_cancelled"] == 0

    after = await client.get("/api/v1/stats", params=stats_query, headers=STAFF_HEADERS)
    assert after.json() == before.json()
    overall = before.json()["overall"]
    assert (overall["tickets"], overall["ratings"], overall["surveys_answered"]) == (2, 1, 1)

    # Nothing personal is left of customer 42, in any column.
    dump = ""
    for table in ("customers", "chat_identities", "tickets", "ticket_events", "surveys",
                  "handoffs", "handoff_messages", "outbox_messages", "privacy_actions"):
        dump += " ".join(str(row) for row in await raw(app, f"SELECT * FROM {table}"))
    for secret in (PHONE, ADDRESS, "冷藏室不制冷", "customer:telegram:42'", "找我"):
        assert secret not in dump
    [(name, anonymised)] = await raw(app, "SELECT display_name, anonymised_at FROM customers "
                                          "WHERE id = (SELECT customer_id FROM tickets "
                                          f"WHERE number = '{finished}')")
    assert name is None and anonymised is not None
    assert await raw(app, "SELECT * FROM chat_identities WHERE chat_id = '42'") == []
    # The ticket is still there for the statistics, and its survey's rating.
    [(status, product, chat_id)] = await raw(
        app, f"SELECT status, product, chat_id FROM tickets WHERE number = '{finished}'")
    assert (status, product, chat_id) == ("resolved", "冰箱", "erased")
    # Nor the visit time in the customer's words (it is encrypted: emptied, not just hidden).
    assert await raw(app, "SELECT preferred_time, appointment_request FROM tickets "
                          f"WHERE number = '{finished}'") == [(None, None)]
    [(rating, comment)] = await raw(app, "SELECT rating, comment FROM surveys")
    assert (rating, crypto.decrypt(comment)) == (5, "")  # ciphertext, of nothing
    # The other customer's ticket is untouched.
    detail = (await client.get(f"/api/v1/tickets/{other}", headers=STAFF_HEADERS)).json()
    assert (detail["phone"], detail["address"]) == (PHONE, ADDRESS)

    # The privacy log says who and when, without personal data; so do the logs.
    assert await raw(app, "SELECT kind, actor FROM privacy_actions") == [("erased", "customer")]
    assert "personal data erased" in caplog.text
    assert PHONE not in caplog.text and ADDRESS not in caplog.text

    # The chat is a stranger now; erasing again finds nobody.
    assert (await client.get(OWN, headers=SERVICE_HEADERS)).status_code == 404
    assert (await client.delete(OWN, headers=SERVICE_HEADERS)).status_code == 404


async def test_open_tickets_are_cancelled_by_the_erasure(app, client, create):
    number = (await create(key="k-open")).json()["number"]
    erased = await client.delete(OWN, headers=SERVICE_HEADERS)
    assert erased.json()["tickets_cancelled"] == 1
    detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    assert detail["status"] == "cancelled"
    assert detail["phone"] is None and detail["address"] is None
    [(actor, note)] = await raw(app, "SELECT actor, note FROM ticket_events "
                                     "WHERE to_status = 'cancelled'")
    assert (actor, crypto.decrypt(note)) == ("system:privacy", "personal data erased")
    # Nothing is pushed to a chat that no longer belongs to anyone.
    assert await raw(app, "SELECT * FROM outbox_messages") == []


async def test_staff_export_and_erase_by_role(app, client, create, add_staff, token_for):
    number = (await create(key="k-1")).json()["number"]
    supervisor = await token_for(await add_staff("wang.fang", Role.supervisor))
    agent = await token_for(await add_staff("zhang.wei", Role.agent))

    assert (await client.get(f"/api/v1/privacy/tickets/{number}/customer",
                             headers=agent)).status_code == 403
    found = await client.get(f"/api/v1/privacy/tickets/{number.lower().replace('-', '')}"
                             "/customer", headers=supervisor)
    assert found.status_code == 200, found.text
    customer_id = found.json()["customer_id"]
    assert found.json()["tickets"][0]["phone"] == PHONE

    assert (await client.delete(f"/api/v1/privacy/customers/{customer_id}",
                                headers=agent)).status_code == 403
    erased = await client.delete(f"/api/v1/privacy/customers/{customer_id}", headers=supervisor)
    assert erased.status_code == 200, erased.text
    assert erased.json()["tickets_cancelled"] == 1
    again = await client.delete(f"/api/v1/privacy/customers/{customer_id}", headers=supervisor)
    assert again.status_code == 200 and again.json()["tickets_anonymised"] == 0

    shown = (await client.get(f"/api/v1/privacy/customers/{customer_id}",
                              headers=supervisor)).json()
    assert shown["display_name"] is None and shown["anonymised_at"] is not None
    assert shown["chats"] == []
    assert shown["tickets"][0]["phone"] is None
    assert [(a["kind"], a["actor"]) for a in shown["privacy_log"]] == [
        ("exported", "staff:wang.fang"), ("erased", "staff:wang.fang"),
        ("exported", "staff:wang.fang")]


@pytest.mark.parametrize("path", ["/api/v1/privacy/customers/0",
                                  "/api/v1/privacy/customers/abc",
                                  "/api/v1/privacy/customers/99999999999999",
                                  "/api/v1/privacy/customers/999"])
async def test_bad_customer_ids_are_clear_errors(client, path):
    response = await client.delete(path, headers=STAFF_HEADERS)
    assert response.status_code in (404, 422)
    assert (await client.get(path, headers=STAFF_HEADERS)).status_code == response.status_code


async def test_an_unknown_or_malformed_ticket_number_is_a_clear_error(client):
    for number, expected in (("RS-20990101-0001", {404}), ("not-a-number", {404}),
                             ("%00", {404, 422}), ("R" * 41, {422})):
        response = await client.get(f"/api/v1/privacy/tickets/{number}/customer",
                                    headers=STAFF_HEADERS)
        assert response.status_code in expected, number
