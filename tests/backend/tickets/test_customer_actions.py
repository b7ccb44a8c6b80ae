"""What a customer does to their own ticket through the bot: cancel, chase up, give feedback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.notifications.models import OutboxMessage
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS

A = "/api/v1/customers/telegram/42/tickets"
B = "/api/v1/customers/telegram/43/tickets"


async def act(client, base: str, number: str, action: str, body: dict | None = None):
    return await client.post(f"{base}/{number}/{action}", json=body or {},
                             headers=SERVICE_HEADERS)


async def events(client, number: str) -> list[dict]:
    detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    return detail["events"]


async def outbox_count(app) -> int:
    async with app.state.sessionmaker() as session:
        return len((await session.execute(select(OutboxMessage))).scalars().all())


async def test_customer_cancels_with_a_reason(app, client, create) -> None:
    number = (await create(key="k-1")).json()["number"]

    response = await act(client, A, number.lower(), "cancel", {"reason": "solved"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    last = (await events(client, number))[-1]
    assert (last["kind"], last["from_status"], last["to_status"]) == (
        "status_changed", "new", "cancelled")
    assert last["actor"] == "customer:telegram:42" and last["note"] == "reason: solved"
    assert await outbox_count(app) == 0  # the bot tells the customer itself

    again = await act(client, A, number, "cancel", {"reason": "solved"})
    assert again.status_code == 409


async def test_cancel_needs_a_known_reason_and_an_open_ticket(client, create,
                                                              change_status) -> None:
    number = (await create(key="k-1")).json()["number"]
    assert (await act(client, A, number, "cancel", {"reason": "bored"})).status_code == 422
    assert (await act(client, A, number, "cancel")).status_code == 422
    await change_status(number, "resolved")
    refused = await act(client, A, number, "cancel", {"reason": "other"})
    assert refused.status_code == 409
    assert "resolved" in refused.json()["detail"]


async def test_expedite_raises_to_high_once(client, create) -> None:
    number = (await create(key="k-1")).json()["number"]

    first = await act(client, A, number, "expedite")
    second = await act(client, A, number, "expedite")

    assert first.status_code == 200
    assert first.json()["priority_raised"] is True
    assert first.json()["ticket"]["priority"] == "high"
    assert first.json()["act_within_hours"] == 12
    assert second.json()["priority_raised"] is False
    assert second.json()["ticket"]["priority"] == "high"
    kinds = [e["kind"] for e in await events(client, number)]
    assert kinds == ["created", "expedited", "expedited"]


async def test_expedite_keeps_urgent_and_refuses_finished_tickets(client, create,
                                                                  change_status) -> None:
    urgent = (await create(key="k-1", priority="urgent")).json()["number"]
    answer = (await act(client, A, urgent, "expedite")).json()
    assert answer["priority_raised"] is False and answer["ticket"]["priority"] == "urgent"
    assert answer["act_within_hours"] == 4

    done = (await create(key="k-2")).json()["number"]
    await change_status(done, "resolved")
    assert (await act(client, A, done, "expedite")).status_code == 409


async def test_feedback_is_recorded_on_any_status(client, create, change_status) -> None:
    number = (await create(key="k-1")).json()["number"]
    await change_status(number, "resolved")
    await change_status(number, "closed")

    response = await act(client, A, number, "feedback", {"kind": "praise", "text": "师傅很专业"})

    assert response.status_code == 201
    last = (await events(client, number))[-1]
    assert (last["kind"], last["note"]) == ("feedback", "praise: 师傅很专业")
    assert (await act(client, A, number, "feedback", {"kind": "shrug"})).status_code == 422
    long = await act(client, A, number, "feedback", {"text": "好" * 1001})
    assert long.status_code == 422


@pytest.mark.parametrize("action,body", [("cancel", {"reason": "other"}), ("expedite", {}),
                                         ("feedback", {"kind": "praise"})])
async def test_someone_elses_or_a_missing_ticket_is_404(client, create, action, body) -> None:
    number = (await create(key="k-1")).json()["number"]

    for base, ticket in ((B, number), (A, "RS-20000101-0001"), (A, "nonsense")):
        response = await act(client, base, ticket, action, body)
        assert response.status_code == 404
        assert response.json() == {"detail": "no such ticket"}
    detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    assert detail["status"] == "new" and len(detail["events"]) == 1
    assert (await client.post(f"{A}/{number}/{action}", json=body)).status_code == 401
