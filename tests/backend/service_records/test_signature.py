"""The customer's signature (确认) and "not fixed", staff corrections as new versions, and the
hash that shows any change to a stored version."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select, text, update

from backend.kernel import crypto
from backend.service_records.models import ServiceRecord
from backend.tickets.models import Ticket
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.service_records.conftest import (
    detail,
    events_of,
    outbox,
    record_of,
    verified,
)


async def test_confirming_signs_the_record_and_resolves_the_ticket(app, client, clock, done,
                                                                  respond) -> None:
    asked_at = (await detail(client, done))["awaiting_acceptance_since"]
    clock.advance(hours=3)
    status_pushes = len(await outbox(app, "status_changed"))

    response = await respond(done, "confirm", version=1)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["status"], answer["version"], answer["signed"]) == ("resolved", 1, True)
    assert answer["awaiting_confirmation"] is False
    assert answer["record"]["kind"] == "service_record"
    ticket = await detail(client, done)
    assert ticket["status"] == "resolved" and ticket["awaiting_acceptance_since"] is None
    assert ticket["resolved_by"] == "confirmed"
    async with app.state.sessionmaker() as session:
        resolved_at = (await session.execute(select(Ticket.resolved_at))).scalar_one()
    assert resolved_at == datetime.fromisoformat(asked_at)  # as of the work, not the answer
    [change] = [e for e in ticket["events"] if e["to_status"] == "resolved"]
    assert (change["actor"], change["note"]) == ("customer:telegram:42",
                                                 "service record v1 confirmed")
    assert len(await outbox(app, "status_changed")) == status_pushes  # the bot answers

    record = await record_of(client, done)
    signature = record["content"]["signature"]
    assert (signature["channel"], signature["chat_actor"]) == ("telegram",
                                                               "customer:telegram:42")
    assert datetime.fromisoformat(signature["signed_at"]) == clock.now
    assert datetime.fromisoformat(record["signed_at"]) == clock.now
    assert record["signed_channel"] == "telegram"
    check = await verified(client, done, 1)
    assert check["matches"] and check["stored_hash"] == record["content_hash"]
    [signed] = await events_of(client, done, "record_signed")
    assert signed["note"] == f"v1 sha256:{record['content_hash']}"

    again = await respond(done, "confirm", version=1)  # pressed twice: as it is
    assert again.status_code == 200 and again.json()["signed"]
    assert (await record_of(client, done))["content_hash"] == record["content_hash"]
    assert (await respond(done, "not-fixed", version=1)).status_code == 409


async def test_not_fixed_sends_it_back_with_the_customers_words(app, client, clock, done,
                                                                respond, complete,
                                                                technicians) -> None:
    clock.advance(hours=1)
    response = await respond(done, "not-fixed", version=1)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["signed"]) == ("in_progress", False)
    # The words typed after the button are added.
    added = await respond(done, "not-fixed", version=1, note="还是不制冷，冷藏室有水")
    assert added.status_code == 200

    ticket = await detail(client, done)
    assert ticket["status"] == "in_progress" and ticket["awaiting_acceptance_since"] is None
    assert ticket["sla_due_at"] == ticket["resolution_due"]  # its clock runs again
    rejected = await events_of(client, done, "acceptance_rejected")
    assert [(e["actor"], e["note"]) for e in rejected] == [
        ("customer:telegram:42", None), ("customer:telegram:42", "还是不制冷，冷藏室有水")]
    async with app.state.sessionmaker() as session:
        stored = (await session.execute(text(
            "SELECT note FROM ticket_events WHERE kind = 'acceptance_rejected' "
            "AND note IS NOT NULL"))).scalar_one()
    assert "不制冷" not in stored  # ciphertext at rest
    record = await record_of(client, done)
    assert record["rejected_at"] and record["signed_at"] is None
    # Nothing to confirm now; done again, version 2 is sent.
    assert (await respond(done, "confirm", version=1)).status_code == 409
    assert (await complete(done, parts=[])).status_code == 200  # (the desk, for tech-a)
    assert [p["version"] for p in await outbox(app, "service_record")] == [1, 2]
    assert (await respond(done, "confirm", version=2)).json()["status"] == "resolved"


async def test_an_old_version_cannot_be_confirmed(app, client, done, respond,
                                                  role_headers) -> None:
    corrected = await client.post(
        f"/api/v1/tickets/{done}/record/versions", headers=role_headers["supervisor"],
        json={"reason": "诊断写错了", "diagnosis": "压缩机启动电容损坏"})
    assert corrected.status_code == 201, corrected.text

    old = await respond(done, "confirm", version=1)
    assert old.status_code == 409
    assert old.json() == {
        "detail": f"version 1 of the service record of {done} was replaced by version 2: "
                  "answer the current one", "record_version": 1, "current_version": 2}
    assert (await respond(done, "not-fixed", version=1)).status_code == 409
    assert (await detail(client, done))["status"] == "in_progress"
    assert (await respond(done, "confirm", version=2)).json()["signed"]


async def test_a_correction_is_a_new_version_and_the_signed_one_stays(
        app, client, clock, done, respond, role_headers) -> None:
    assert (await respond(done, "confirm", version=1)).status_code == 200
    first = await record_of(client, done, 1)
    clock.advance(minutes=30)

    response = await client.post(
        f"/api/v1/tickets/{done}/record/versions", headers=role_headers["dispatcher"],
        json={"reason": "故障分类更正", "fault_category": "RF-FAN"})

    assert response.status_code == 201, response.text
    second = response.json()
    assert (second["version"], second["current_version"]) == (2, 2)
    assert second["reason"] == "故障分类更正" and second["created_by"].startswith("staff:")
    assert second["content"]["fault_category"]["code"] == "RF-FAN"
    assert second["content"]["signature"] is None
    assert second["content"]["completed_at"] == first["content"]["completed_at"]
    assert [v["version"] for v in second["versions"]] == [1, 2]
    # Version 1 is as it was signed, and still verifies.
    again = await record_of(client, done, 1)
    assert {**again, "current_version": 1, "versions": []} == {**first, "versions": []}
    assert (await verified(client, done, 1))["matches"]
    assert (await verified(client, done, 2))["matches"]
    # Sent again to the customer, who confirms it; the ticket stays resolved.
    pushes = await outbox(app, "service_record")
    assert [(p["version"], p["corrected"]) for p in pushes] == [(1, False), (2, True)]
    answer = await respond(done, "confirm", version=2)
    assert (answer.json()["status"], answer.json()["signed"]) == ("resolved", True)
    [corrected] = await events_of(client, done, "record_corrected")
    assert corrected["note"].endswith(": 故障分类更正")

    for role, code in (("agent", 403), ("technician", 403)):
        refused = await client.post(f"/api/v1/tickets/{done}/record/versions",
                                    headers=role_headers[role], json={"reason": "x"})
        assert refused.status_code == code
    wrong = await client.post(f"/api/v1/tickets/{done}/record/versions",
                              headers=role_headers["supervisor"],
                              json={"reason": "x", "fault_category": "AC-LEAK"})
    assert wrong.status_code == 422
    no_reason = await client.post(f"/api/v1/tickets/{done}/record/versions",
                                  headers=STAFF_HEADERS, json={"fault_category": "RF-FAN"})
    assert no_reason.status_code == 422


async def test_a_disputed_correction_reopens_the_ticket(client, done, respond,
                                                       role_headers) -> None:
    await respond(done, "confirm", version=1)
    await client.post(f"/api/v1/tickets/{done}/record/versions",
                      headers=role_headers["supervisor"], json={"reason": "补录"})
    response = await respond(done, "not-fixed", version=2, note="根本没修好")
    assert response.status_code == 200 and response.json()["status"] == "reopened"
    ticket = await detail(client, done)
    assert ticket["resolved_by"] is None


async def test_tampering_shows_in_the_hash(app, client, done, respond) -> None:
    await respond(done, "confirm", version=1)
    async with app.state.sessionmaker() as session:
        row = (await session.execute(select(ServiceRecord))).scalar_one()
        changed = {**row.content, "charge": {**row.content["charge"], "total": 1}}
        # Written behind the record's back, as someone with the key and the database could.
        await session.execute(update(ServiceRecord).where(ServiceRecord.id == row.id).values(
            content=crypto.encrypt(json.dumps(changed, ensure_ascii=False))
        ).execution_options(synchronize_session=False))
        await session.commit()

    check = await verified(client, done, 1)
    assert check["matches"] is False
    assert check["stored_hash"] != check["computed_hash"]


async def test_only_the_tickets_customer_answers(client, done, respond, create) -> None:
    await create(key="other", customer_overrides={"chat_id": "99"})
    assert (await respond(done, "confirm", chat="99", version=1)).status_code == 404
    assert (await respond(done, "not-fixed", chat="nobody", version=1)).status_code == 404
    assert (await respond("RS-20000101-0001", "confirm", version=1)).status_code == 404
    assert (await respond(done, "confirm", version=0)).status_code == 422
    shown = await client.get(f"/api/v1/customers/telegram/42/tickets/{done}/record",
                             headers=SERVICE_HEADERS)
    assert shown.status_code == 200
    assert (shown.json()["version"], shown.json()["awaiting_confirmation"]) == (1, True)
    assert shown.json()["record"]["technician"]["name"] == "tech-a"
    assert (await client.get(f"/api/v1/customers/telegram/99/tickets/{done}/record",
                             headers=SERVICE_HEADERS)).status_code == 404


async def test_who_reads_the_record(client, done, technicians, role_headers) -> None:
    tech, other = technicians
    for headers, code in ((tech.headers, 200), (other.headers, 404),
                          (role_headers["agent"], 200), (role_headers["dispatcher"], 200)):
        for path in ("record", "record/verify", "record?version=1"):
            response = await client.get(f"/api/v1/tickets/{done}/{path}", headers=headers)
            assert response.status_code == code, (path, response.text)
    assert (await client.get(f"/api/v1/tickets/{done}/record?version=2",
                             headers=STAFF_HEADERS)).status_code == 404
    assert (await client.get(f"/api/v1/tickets/{done}/record")).status_code == 401
