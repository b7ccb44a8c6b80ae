"""Status changes: only along the table of transitions; status, event and outbox message are
written together or not at all."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.kernel import pushes
from backend.notifications.models import OutboxMessage
from backend.tickets import actions as ticket_actions
from backend.tickets.enums import NOTIFY_STATUSES, TRANSITIONS, TicketStatus
from backend.tickets.models import Ticket, TicketEvent
from tests.backend.conftest import STAFF_HEADERS


async def outbox(app) -> list[OutboxMessage]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
                    .scalars())


async def status_events(app) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(TicketEvent)
                                      .where(TicketEvent.kind == "status_changed"))).scalar_one()


def test_transition_table_is_complete_and_closed_cancelled_are_final() -> None:
    assert set(TRANSITIONS) == set(TicketStatus)
    assert TRANSITIONS[TicketStatus.closed] == TRANSITIONS[TicketStatus.cancelled] == frozenset()
    for current, allowed in TRANSITIONS.items():
        assert current not in allowed
        assert TicketStatus.new not in allowed
    assert NOTIFY_STATUSES == set(TicketStatus) - {TicketStatus.new}


async def test_a_whole_life_writes_events_and_outbox_in_order(app, create, change_status,
                                                              client) -> None:
    number = (await create(key="k-1")).json()["number"]
    path = ["assigned", "scheduled", "in_progress", "resolved", "reopened", "in_progress",
            "resolved", "closed"]

    for status in path:
        response = await change_status(number.lower(), status, note=f"to {status}")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status

    detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    changes = [(e["from_status"], e["to_status"], e["actor"], e["note"])
               for e in detail["events"] if e["kind"] == "status_changed"]
    assert changes == [(before, after, "staff:api", f"to {after}")
                       for before, after in zip(["new", *path], path, strict=False)]

    # The status messages (the first "resolved" is followed by the survey request: surveys/).
    messages = [m for m in await outbox(app) if "status" in m.payload]
    assert [m.payload["status"] for m in messages] == path
    assert [m.payload["previous_status"] for m in messages] == ["new", *path[:-1]]
    assert all(m.delivered_at is None and m.attempts == 0 for m in messages)
    first = messages[0].payload
    assert set(first) == {"event_id", "ticket_number", "ticket_type", "status",
                          "previous_status", "note", "channel", "chat_id", "language",
                          "occurred_at"}
    assert first["ticket_number"] == number and first["ticket_type"] == "repair"
    assert (first["channel"], first["chat_id"], first["language"]) == ("telegram", "42", "zh-Hans")
    assert first["event_id"] == messages[0].event_id
    assert uuid.UUID(first["event_id"])
    assert datetime.fromisoformat(first["occurred_at"]).tzinfo is not None
    assert "phone" not in first and "address" not in first


@pytest.mark.parametrize(("path", "refused"), [
    ([], "new"),
    ([], "closed"),
    ([], "reopened"),
    (["assigned"], "assigned"),
    (["resolved"], "in_progress"),
    (["resolved", "closed"], "reopened"),
    (["cancelled"], "assigned"),
])
async def test_a_refused_transition_is_409_and_writes_nothing(app, create, change_status,
                                                              path, refused) -> None:
    number = (await create(key="k-1")).json()["number"]
    for status in path:
        assert (await change_status(number, status)).status_code == 200
    before = (len(await outbox(app)), await status_events(app))

    response = await change_status(number, refused)

    assert response.status_code == 409
    assert f"cannot go from {path[-1] if path else 'new'} to {refused}" in response.json()["detail"]
    assert (len(await outbox(app)), await status_events(app)) == before


async def test_unknown_ticket_or_status(create, change_status, client) -> None:
    assert (await change_status("RS-20000101-0001", "assigned")).status_code == 404
    assert (await change_status("garbage", "assigned")).status_code == 404
    number = (await create(key="k-1")).json()["number"]
    bad = await client.post(f"/api/v1/tickets/{number}/status", json={"status": "teleported"},
                            headers=STAFF_HEADERS)
    assert bad.status_code == 422


async def test_status_event_and_outbox_commit_together_or_not_at_all(app, create, monkeypatch
                                                                     ) -> None:
    """Make the outbox insert fail (a repeated event id): the status and event stay unwritten."""
    number = (await create(key="k-1")).json()["number"]
    fixed = uuid.uuid4()
    monkeypatch.setattr(pushes.uuid, "uuid4", lambda: fixed)

    async with app.state.sessionmaker() as session:
        await ticket_actions.change_status(db_session=session, number=number,
                                           status=TicketStatus.assigned, note=None, actor="t")
    async with app.state.sessionmaker() as session:
        with pytest.raises(IntegrityError):
            await ticket_actions.change_status(db_session=session, number=number,
                                               status=TicketStatus.in_progress, note=None,
                                               actor="t")

    async with app.state.sessionmaker() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
    assert ticket.status == "assigned"
    assert await status_events(app) == 1
    assert len(await outbox(app)) == 1
