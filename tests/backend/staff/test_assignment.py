"""Assigning tickets, and what a technician sees: only the tickets assigned to them. Staff
actions go into the ticket's record with who and when."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from backend.kernel.database import utcnow
from backend.notifications import service as notification_service
from backend.notifications.models import OutboxMessage
from backend.staff.enums import Role
from backend.staff.models import Staff
from backend.tickets import actions as ticket_actions
from backend.tickets.models import Ticket, TicketEvent
from tests.backend.conftest import STAFF_HEADERS


async def outbox(app) -> list[OutboxMessage]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
                    .scalars())


@pytest.fixture
async def team(add_staff, token_for) -> dict[str, dict]:
    """Authorization headers of a dispatcher, an agent and two technicians."""
    headers = {}
    for username, role in (("dana", Role.dispatcher), ("alex", Role.agent),
                           ("tom", Role.technician), ("tim", Role.technician)):
        headers[username] = await token_for(await add_staff(username, role))
    return headers


async def assign(client, number: str, assignee: str, headers: dict):
    return await client.post(f"/api/v1/tickets/{number}/assign", json={"assignee": assignee},
                             headers=headers)


async def test_assigning_a_new_ticket_records_it_and_pushes_assigned(app, client, create,
                                                                     team) -> None:
    number = (await create(key="k-1")).json()["number"]

    response = await assign(client, number.lower(), "Tom", team["dana"])

    assert response.status_code == 200, response.text
    detail = response.json()
    assert (detail["status"], detail["assignee"]) == ("assigned", "tom")
    events = [(e["kind"], e["from_status"], e["to_status"], e["actor"], e["note"])
              for e in detail["events"]]
    assert events[1:] == [("assigned", None, None, "staff:dana", "to tom"),
                          ("status_changed", "new", "assigned", "staff:dana", None)]
    assert all(abs(utcnow() - datetime.fromisoformat(e["created_at"])).total_seconds() < 60
               for e in detail["events"][1:])
    (message,) = await outbox(app)
    assert (message.payload["status"], message.payload["previous_status"]) == ("assigned",
                                                                               "new")
    assert message.payload["ticket_number"] == number
    listed = (await client.get("/api/v1/tickets", headers=team["alex"])).json()
    assert listed["items"][0]["assignee"] == "tom"


async def test_reassigning_keeps_the_status_and_pushes_nothing(app, client, create,
                                                               team) -> None:
    number = (await create(key="k-1")).json()["number"]
    await assign(client, number, "tom", team["dana"])
    await client.post(f"/api/v1/tickets/{number}/status", json={"status": "scheduled"},
                      headers=team["alex"])
    pushed = len(await outbox(app))

    again = await assign(client, number, "tim", STAFF_HEADERS)
    same = await assign(client, number, "tim", STAFF_HEADERS)

    assert again.status_code == same.status_code == 200
    detail = same.json()
    assert (detail["status"], detail["assignee"]) == ("scheduled", "tim")
    assigned = [(e["actor"], e["note"]) for e in detail["events"] if e["kind"] == "assigned"]
    assert assigned == [("staff:dana", "to tom"), ("staff:api", "to tim (was tom)")]
    assert len(await outbox(app)) == pushed


async def test_assignment_refusals(client, create, change_status, team) -> None:
    number = (await create(key="k-1")).json()["number"]
    assert (await assign(client, number, "nobody", team["dana"])).status_code == 422
    await client.patch("/api/v1/staff/tim", json={"active": False}, headers=STAFF_HEADERS)
    assert (await assign(client, number, "tim", team["dana"])).status_code == 422
    assert (await assign(client, "RS-20000101-0001", "tom", team["dana"])).status_code == 404
    assert (await change_status(number, "cancelled")).status_code == 200
    refused = await assign(client, number, "tom", team["dana"])
    assert refused.status_code == 409 and "cancelled" in refused.json()["detail"]


async def test_assignment_and_its_push_commit_together_or_not_at_all(app, create, team,
                                                                     monkeypatch) -> None:
    """The outbox insert fails: neither the assignee nor the events are written."""
    number = (await create(key="k-1")).json()["number"]

    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(notification_service, "enqueue", broken)
    async with app.state.sessionmaker() as session:
        tom = (await session.execute(select(Staff).where(Staff.username == "tom"))).scalar_one()
        with pytest.raises(RuntimeError):
            await ticket_actions.assign(db_session=session, number=number, assignee=tom,
                                        actor="staff:dana")

    async with app.state.sessionmaker() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
        kinds = [e.kind for e in (await session.execute(select(TicketEvent))).scalars()]
    assert (ticket.status, ticket.assignee_id) == ("new", None)
    assert kinds == ["created"]


async def test_a_technician_sees_and_changes_only_their_tickets(client, create, team) -> None:
    mine = [(await create(key=f"k-{n}")).json()["number"] for n in range(2)]
    theirs = (await create(key="k-3")).json()["number"]
    unassigned = (await create(key="k-4")).json()["number"]
    for number in mine:
        await assign(client, number, "tom", team["dana"])
    await assign(client, theirs, "tim", team["dana"])

    listed = (await client.get("/api/v1/tickets", headers=team["tom"])).json()
    assert sorted(item["number"] for item in listed["items"]) == sorted(mine)
    assert listed["total"] == 2
    filtered = (await client.get("/api/v1/tickets", params={"status": "new"},
                                 headers=team["tom"])).json()
    assert filtered["total"] == 0
    assert (await client.get("/api/v1/tickets", headers=team["alex"])).json()["total"] == 4

    for number in (theirs, unassigned):
        detail = await client.get(f"/api/v1/tickets/{number}", headers=team["tom"])
        change = await client.post(f"/api/v1/tickets/{number}/status",
                                   json={"status": "in_progress"}, headers=team["tom"])
        assert (detail.status_code, change.status_code) == (404, 404)
        assert detail.json() == {"detail": "no such ticket"}
    assert (await client.get(f"/api/v1/tickets/{theirs}", headers=team["tim"])
            ).json()["status"] == "assigned"

    own = await client.post(f"/api/v1/tickets/{mine[0]}/status",
                            json={"status": "in_progress", "note": "on my way"},
                            headers=team["tom"])
    assert own.status_code == 200
    last = own.json()["events"][-1]
    assert (last["to_status"], last["actor"], last["note"]) == ("in_progress", "staff:tom",
                                                                "on my way")
    assert (await client.get(f"/api/v1/tickets/{mine[0]}", headers=team["tom"])
            ).status_code == 200
    # Technicians do not assign, not even to themselves.
    assert (await assign(client, unassigned, "tom", team["tom"])).status_code == 403
