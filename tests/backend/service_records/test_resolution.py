"""How a ticket comes to be resolved: the customer's confirmation, the 72-hour silence (still
the rule, recorded as such), or staff overriding with a reason; `tickets.resolved_by` and
`service.resolutions` tell them apart for the statistics."""

from __future__ import annotations

from datetime import timedelta

from backend.service_records import service
from backend.service_records.enums import ResolvedBy
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.service_records.conftest import detail, events_of, outbox, record_of


async def test_staff_resolving_a_repair_give_a_reason(client, done, change_status) -> None:
    refused = await change_status(done, "resolved", override_reason=None)
    assert refused.status_code == 422
    assert "override_reason" in refused.json()["detail"]
    blank = await client.post(f"/api/v1/tickets/{done}/status", headers=STAFF_HEADERS,
                              json={"status": "resolved", "override_reason": "   "})
    assert blank.status_code == 422
    assert (await detail(client, done))["status"] == "in_progress"

    response = await change_status(done, "resolved", override_reason="客户电话确认已修好")

    assert response.status_code == 200, response.text
    ticket = response.json()
    assert (ticket["status"], ticket["resolved_by"]) == ("resolved", "override")
    [override] = await events_of(client, done, "resolution_override")
    assert (override["actor"], override["note"]) == ("staff:api", "客户电话确认已修好")
    assert (await record_of(client, done))["signed_at"] is None  # not the customer's


async def test_a_complaint_is_resolved_by_staff_without_override(client, create,
                                                                  change_status) -> None:
    number = (await create(key="complaint", type="complaint")).json()["number"]
    response = await change_status(number, "resolved", override_reason=None)
    assert response.status_code == 200, response.text
    assert response.json()["resolved_by"] == "staff"
    assert await events_of(client, number, "resolution_override") == []


async def test_no_answer_in_72_hours_resolves_it_as_a_timeout(app, client, clock, done) -> None:
    worker = app.state.sla_worker
    asked = clock.now

    before = await worker.run_once(now=asked + timedelta(hours=71, minutes=59))
    after = await worker.run_once(now=asked + timedelta(hours=72, minutes=1))

    assert (before.auto_resolved, after.auto_resolved) == ([], [done])
    ticket = await detail(client, done)
    assert (ticket["status"], ticket["resolved_by"]) == ("resolved", "timeout")
    [event] = await events_of(client, done, "acceptance_timeout")
    assert event["actor"] == "system:acceptance"
    assert event["note"] == "no answer to the acceptance request within 72 h: resolved"
    resolved_push = (await outbox(app, "status_changed"))[-1]
    assert resolved_push["status"] == "resolved"
    assert (await record_of(client, done))["content"]["signature"] is None  # unsigned


async def test_the_statistics_count_each_way_apart(app, client, repair, technicians,
                                                   stock_technician, complete, respond,
                                                   change_status, create) -> None:
    tech = technicians[0]
    numbers = [await repair(days_ago=None, assignee=tech.username) for _ in range(4)]
    for number in numbers:
        assert (await complete(number, parts=[], work_items=[],
                               fault_category="NFF")).status_code == 200
    await respond(numbers[0], "confirm", version=1)
    await respond(numbers[1], "confirm", version=1)
    await change_status(numbers[2], "resolved", override_reason="客户不接电话，主管确认")
    complaint = (await create(key="c", type="complaint")).json()["number"]
    await change_status(complaint, "resolved")
    reopened = await change_status(numbers[0], "reopened")
    assert reopened.json()["resolved_by"] is None

    async with app.state.sessionmaker() as session:
        counts = await service.resolutions(db_session=session)
        repairs = await service.resolutions(db_session=session, ticket_types=("repair",))
    assert counts == {ResolvedBy.confirmed: 1, ResolvedBy.timeout: 0,
                      ResolvedBy.override: 1, ResolvedBy.staff: 1}
    assert repairs[ResolvedBy.staff] == 0 and repairs[ResolvedBy.confirmed] == 1
