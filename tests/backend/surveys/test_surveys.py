"""Return-visit surveys: made when a ticket is resolved (once, not for cancelled tickets or
customers who opted out), answered once per question, reopening the ticket when not solved,
flagging low ratings, reminded once, expired."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.app import create_app
from backend.customers.models import Customer
from backend.notifications.models import OutboxMessage
from backend.surveys.models import Survey
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS, make_settings
from tests.backend.stats.test_stats import _headers_of_a

CHAT = "/api/v1/customers/telegram/42"
OTHER_CHAT = "/api/v1/customers/telegram/43"
SURVEY_KEYS = {"event_id", "kind", "survey_id", "ticket_number", "ticket_type", "channel",
               "chat_id", "language"}


async def outbox(app) -> list[dict]:
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [row.payload for row in rows]


async def surveys(app) -> list[Survey]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(Survey).order_by(Survey.id))).scalars())


async def events(client, number: str) -> list[dict]:
    detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    return detail["events"]


async def ticket_status(client, number: str) -> str:
    return (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()["status"]


@pytest.fixture
def resolved(app, create, change_status):
    """`number, survey_id = await resolved(key="k1", type="repair")`: a ticket taken to
    resolved; its survey's id from the survey_request push."""

    async def resolve(key: str = "k-1", **body) -> tuple[str, int]:
        number = (await create(key=key, **body)).json()["number"]
        assert (await change_status(number, "in_progress")).status_code == 200
        assert (await change_status(number, "resolved")).status_code == 200
        requests = [p for p in await outbox(app) if p.get("kind") == "survey_request"
                    and p["ticket_number"] == number]
        assert len(requests) == 1
        return number, requests[0]["survey_id"]

    return resolve


def answer(client, survey_id: int, question: str, value, chat: str = CHAT):
    return client.post(f"{chat}/surveys/{survey_id}/answers",
                       json={"question": question, "value": value}, headers=SERVICE_HEADERS)


# ---- made on resolve ------------------------------------------------------------------------

async def test_resolving_makes_one_survey_and_queues_its_request_after_the_status(
        app, client, resolved, change_status) -> None:
    number, survey_id = await resolved()

    messages = await outbox(app)
    assert [m.get("kind", m.get("status")) for m in messages] == [
        "in_progress", "resolved", "survey_request"]
    request = messages[-1]
    assert set(request) == SURVEY_KEYS
    assert request == {**request, "kind": "survey_request", "ticket_number": number,
                       "ticket_type": "repair", "channel": "telegram", "chat_id": "42",
                       "language": "zh-Hans", "survey_id": survey_id}
    [survey] = await surveys(app)
    assert (survey.id, survey.state, survey.follow_up) == (survey_id, "open", False)
    assert survey.solved is survey.rating is survey.comment is survey.explained_usage is None

    # Reopened and resolved again: still the one survey, no second request.
    await change_status(number, "reopened")
    await change_status(number, "resolved")
    await change_status(number, "closed")
    assert len(await surveys(app)) == 1
    assert [m.get("kind") for m in await outbox(app)].count("survey_request") == 1


async def test_no_survey_until_resolved_and_none_for_cancelled_tickets(
        app, client, create, change_status) -> None:
    number = (await create(key="k-1")).json()["number"]
    for status in ("assigned", "scheduled", "in_progress", "cancelled"):
        assert (await change_status(number, status)).status_code == 200
    cancelled_by_customer = (await create(key="k-2")).json()["number"]
    await client.post(f"{CHAT}/tickets/{cancelled_by_customer}/cancel",
                      json={"reason": "solved"}, headers=SERVICE_HEADERS)
    assert await surveys(app) == []
    assert all("survey_id" not in m for m in await outbox(app))


async def test_a_ticket_cancelled_after_a_reopen_has_its_survey_expired(
        app, client, resolved, change_status) -> None:
    number, survey_id = await resolved()
    await change_status(number, "reopened")
    await change_status(number, "cancelled")
    [survey] = await surveys(app)
    assert survey.state == "expired"
    late = await answer(client, survey_id, "solved", True)
    assert late.json() == {"survey_id": survey_id, "recorded": False, "next": None,
                           "reopened": False}


# ---- answers --------------------------------------------------------------------------------

async def test_answers_are_recorded_once_in_the_order_asked(app, client, resolved) -> None:
    _, survey_id = await resolved()

    first = await answer(client, survey_id, "solved", True)
    assert first.status_code == 200
    assert first.json() == {"survey_id": survey_id, "recorded": True, "next": "rating",
                            "reopened": False}
    # The same button pressed twice, or a different answer later: nothing changes.
    assert (await answer(client, survey_id, "solved", True)).json() == {
        "survey_id": survey_id, "recorded": False, "next": "rating", "reopened": False}
    assert (await answer(client, survey_id, "solved", False)).json()["recorded"] is False

    assert (await answer(client, survey_id, "rating", 5)).json() == {
        "survey_id": survey_id, "recorded": True, "next": "comment", "reopened": False}
    assert (await answer(client, survey_id, "rating", 1)).json()["recorded"] is False
    [survey] = await surveys(app)
    assert (survey.state, survey.solved, survey.rating) == ("answered", True, 5)
    assert survey.answered_at is not None and survey.follow_up is False

    # A repair is not asked about usage.
    assert (await answer(client, survey_id, "explained_usage", True)).json()[
        "recorded"] is False
    done = await answer(client, survey_id, "comment", "  师傅很专业，准时\x00  ")
    assert done.json() == {"survey_id": survey_id, "recorded": True, "next": None,
                           "reopened": False}
    assert (await answer(client, survey_id, "comment", "again")).json()["recorded"] is False
    [survey] = await surveys(app)
    assert survey.comment == "师傅很专业，准时" and survey.explained_usage is None


async def test_a_skipped_comment_is_an_answer_too(app, client, resolved) -> None:
    _, survey_id = await resolved()
    assert (await answer(client, survey_id, "comment", "")).json() == {
        "survey_id": survey_id, "recorded": True, "next": "solved", "reopened": False}
    assert (await answer(client, survey_id, "comment", "later")).json()["recorded"] is False
    [survey] = await surveys(app)
    assert (survey.comment, survey.state) == ("", "open")


async def test_a_double_press_at_the_same_moment_is_recorded_once(app, client,
                                                                  resolved) -> None:
    _, survey_id = await resolved()
    responses = await asyncio.gather(*(answer(client, survey_id, "rating", r)
                                       for r in (4, 2, 4)))
    assert sorted(r.json()["recorded"] for r in responses) == [False, False, True]
    [survey] = await surveys(app)
    recorded = [r for r, resp in zip((4, 2, 4), responses, strict=True)
                if resp.json()["recorded"]]
    assert [survey.rating] == recorded


async def test_installations_are_asked_about_usage(app, client, resolved) -> None:
    _, survey_id = await resolved(type="installation", description="")
    [request] = [m for m in await outbox(app) if m.get("kind") == "survey_request"]
    assert request["ticket_type"] == "installation"
    assert (await answer(client, survey_id, "solved", True)).json()["next"] == "rating"
    assert (await answer(client, survey_id, "rating", 4)).json()["next"] == "explained_usage"
    [survey] = await surveys(app)
    assert survey.state == "open"  # not until usage is answered
    assert (await answer(client, survey_id, "explained_usage", False)).json() == {
        "survey_id": survey_id, "recorded": True, "next": "comment", "reopened": False}
    [survey] = await surveys(app)
    assert (survey.state, survey.explained_usage) == ("answered", False)


async def test_not_solved_reopens_the_ticket_and_tells_staff(app, client, resolved) -> None:
    number, survey_id = await resolved()

    response = await answer(client, survey_id, "solved", False)

    assert response.json() == {"survey_id": survey_id, "recorded": True, "next": "rating",
                               "reopened": True}
    assert await ticket_status(client, number) == "reopened"
    record = await events(client, number)
    assert [(e["kind"], e["to_status"], e["actor"]) for e in record[-2:]] == [
        ("survey_not_solved", None, "customer:telegram:42"),
        ("status_changed", "reopened", "customer:telegram:42")]
    # No status message: the bot's answer to "not solved" is the customer's one message.
    assert (await outbox(app))[-1]["kind"] == "survey_request"
    [survey] = await surveys(app)
    assert survey.solved is False and survey.state == "open"


async def test_not_solved_on_a_closed_ticket_only_tells_staff(app, client, resolved,
                                                              change_status) -> None:
    number, survey_id = await resolved()
    await change_status(number, "closed")
    messages = len(await outbox(app))

    assert (await answer(client, survey_id, "solved", False)).json()["recorded"] is True

    assert await ticket_status(client, number) == "closed"
    assert (await events(client, number))[-1]["kind"] == "survey_not_solved"
    assert len(await outbox(app)) == messages


@pytest.mark.parametrize(("rating", "follow_up"), [(1, True), (2, True), (3, False)])
async def test_a_low_rating_asks_for_a_follow_up(app, client, resolved, rating,
                                                 follow_up) -> None:
    number, survey_id = await resolved()
    await answer(client, survey_id, "rating", rating)
    [survey] = await surveys(app)
    assert survey.follow_up is follow_up
    kinds = [e["kind"] for e in await events(client, number)]
    assert ("survey_low_rating" in kinds) is follow_up
    if follow_up:
        assert (await events(client, number))[-1]["note"] == f"rating {rating}/5: follow up"


STAFF_CHAT = "-1007770001"


@pytest.mark.parametrize(("question", "value", "text"), [
    ("solved", False, "回访：客户表示问题未解决，工单已重新打开"),
    ("rating", 1, "回访差评：1/5 星，请跟进"),
])
async def test_not_solved_and_a_low_rating_alert_the_staff_chat(
        app, client, resolved, monkeypatch, question, value, text) -> None:
    """Like an SLA breach: a `staff_alert` push to the staff chat, in the answer's
    transaction."""
    monkeypatch.setattr(app.state.settings, "staff_alert_chat_id", STAFF_CHAT)
    number, survey_id = await resolved()
    if question == "rating":
        await answer(client, survey_id, "solved", True)
    assert (await answer(client, survey_id, question, value)).json()["recorded"] is True
    alerts = [m for m in await outbox(app) if m.get("kind") == "staff_alert"]
    assert [(m["chat_id"], m["channel"], m["ticket_number"], m["text"]) for m in alerts] == [
        (STAFF_CHAT, "telegram", number, text)]
    # A good rating, or the same answer again: no further alert.
    await answer(client, survey_id, question, value)
    await answer(client, survey_id, "rating", 5)
    assert [m.get("kind") for m in await outbox(app)].count("staff_alert") == 1


async def test_no_staff_chat_no_alert(app, client, resolved) -> None:
    _, survey_id = await resolved()
    await answer(client, survey_id, "solved", False)
    await answer(client, survey_id, "rating", 1)
    assert not [m for m in await outbox(app) if m.get("kind") == "staff_alert"]


async def test_supervisors_see_the_follow_ups_newest_first(app, client, resolved) -> None:
    unhappy, first = await resolved(key="k-1")
    await answer(client, first, "solved", False)
    rated, second = await resolved(key="k-2")
    await answer(client, second, "solved", True)
    await answer(client, second, "rating", 2)
    await answer(client, second, "comment", "<b>太慢</b>")
    fine, third = await resolved(key="k-3")
    await answer(client, third, "rating", 4)

    response = await client.get("/api/v1/surveys/follow-ups", headers=STAFF_HEADERS)
    assert response.status_code == 200
    assert [(f["ticket_number"], f["reason"], f["ticket_status"], f["solved"], f["rating"],
             f["comment"]) for f in response.json()] == [
        (rated, "survey_low_rating", "resolved", True, 2, "<b>太慢</b>"),
        (unhappy, "survey_not_solved", "reopened", False, None, None)]
    assert fine not in response.text
    assert (await client.get("/api/v1/surveys/follow-ups", params={"days": 0},
                             headers=STAFF_HEADERS)).status_code == 422
    for role, code in (("supervisor", 200), ("agent", 403), ("technician", 403)):
        headers = await _headers_of_a(app, role)
        assert (await client.get("/api/v1/surveys/follow-ups",
                                 headers=headers)).status_code == code, role
    assert (await client.get("/api/v1/surveys/follow-ups",
                             headers=SERVICE_HEADERS)).status_code == 401


async def test_only_the_customers_own_surveys(app, client, create, resolved) -> None:
    _, survey_id = await resolved()
    await create(key="k-other", customer_overrides={"chat_id": "43"})
    for chat in (OTHER_CHAT, "/api/v1/customers/telegram/999", "/api/v1/customers/webchat/42"):
        response = await answer(client, survey_id, "solved", True, chat=chat)
        assert response.status_code == 404, chat
        assert response.json() == {"detail": "no such survey"}
    assert (await answer(client, survey_id + 1, "solved", True)).status_code == 404
    [survey] = await surveys(app)
    assert survey.solved is None
    # The bot's route: staff tokens are no good here.
    staff = await client.post(f"{CHAT}/surveys/{survey_id}/answers", headers=STAFF_HEADERS,
                              json={"question": "solved", "value": True})
    assert staff.status_code == 401


@pytest.mark.parametrize("body", [
    {"question": "rating", "value": 6},
    {"question": "rating", "value": 0},
    {"question": "rating", "value": True},
    {"question": "rating", "value": "5"},
    {"question": "rating", "value": 4.5},
    {"question": "solved", "value": "yes"},
    {"question": "solved", "value": 1},
    {"question": "explained_usage", "value": None},
    {"question": "comment", "value": 42},
    {"question": "comment", "value": "x" * 1001},
    {"question": "mood", "value": "fine"},
    {"question": "solved"},
])
async def test_answers_must_fit_the_question(client, resolved, body) -> None:
    _, survey_id = await resolved()
    response = await client.post(f"{CHAT}/surveys/{survey_id}/answers", json=body,
                                 headers=SERVICE_HEADERS)
    assert response.status_code == 422
    assert "x" * 100 not in response.text


async def test_a_survey_id_out_of_range_is_refused(client) -> None:
    response = await answer(client, 2**31, "solved", True)
    assert response.status_code == 422


# ---- opting out -----------------------------------------------------------------------------

async def test_opting_out_expires_open_surveys_and_stops_new_ones(app, client,
                                                                  resolved, create,
                                                                  change_status) -> None:
    _, survey_id = await resolved(key="k-1")
    answered_number, answered_id = await resolved(key="k-2")
    await answer(client, answered_id, "solved", True)
    await answer(client, answered_id, "rating", 4)

    response = await client.post(f"{CHAT}/survey-opt-out", headers=SERVICE_HEADERS)

    assert response.status_code == 204
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(Customer.survey_opt_out))).scalar_one() is True
    states = {s.id: s.state for s in await surveys(app)}
    assert states == {survey_id: "expired", answered_id: "answered"}
    assert (await answer(client, survey_id, "solved", True)).json()["recorded"] is False
    # Later tickets get none.
    number = (await create(key="k-3")).json()["number"]
    await change_status(number, "resolved")
    assert len(await surveys(app)) == 2
    assert [m.get("kind") for m in await outbox(app)].count("survey_request") == 2
    # Again, and for a chat we do not know: nothing to do, no error.
    assert (await client.post(f"{CHAT}/survey-opt-out",
                              headers=SERVICE_HEADERS)).status_code == 204
    assert (await client.post(f"{OTHER_CHAT}/survey-opt-out",
                              headers=SERVICE_HEADERS)).status_code == 204
    assert (await client.post(f"{CHAT}/survey-opt-out",
                              headers=STAFF_HEADERS)).status_code == 401


# ---- reminder and expiry --------------------------------------------------------------------

async def test_one_reminder_after_a_day_without_an_answer(app, client, resolved) -> None:
    worker = app.state.survey_worker
    _, untouched = await resolved(key="k-1")
    _, started = await resolved(key="k-2")
    await answer(client, started, "solved", True)
    sent = {s.id: s.created_at for s in await surveys(app)}[untouched]

    assert (await worker.run_once(now=sent + timedelta(hours=23))).reminded == 0
    result = await worker.run_once(now=sent + timedelta(hours=24, seconds=1))
    assert (result.reminded, result.expired) == (1, 0)
    reminders = [m for m in await outbox(app) if m.get("kind") == "survey_reminder"]
    assert len(reminders) == 1
    assert set(reminders[0]) == SURVEY_KEYS and reminders[0]["survey_id"] == untouched
    # Never twice; the survey answered in part is not reminded (the bot would start over).
    assert (await worker.run_once(now=sent + timedelta(hours=30))).reminded == 0
    assert (await worker.run_once(now=sent + timedelta(days=3))).reminded == 0
    reminded = {s.id: s.reminded_at for s in await surveys(app)}
    assert reminded[untouched] == sent + timedelta(hours=24, seconds=1)
    assert reminded[started] is None


async def test_surveys_expire_after_a_week(app, client, resolved) -> None:
    worker = app.state.survey_worker
    _, open_id = await resolved(key="k-1")
    _, answered_id = await resolved(key="k-2")
    await answer(client, answered_id, "solved", True)
    await answer(client, answered_id, "rating", 5)
    sent = min(s.created_at for s in await surveys(app))

    result = await worker.run_once(now=sent + timedelta(days=6, hours=23))
    assert (result.expired, result.reminded) == (0, 1)
    result = await worker.run_once(now=sent + timedelta(days=7, minutes=1))
    assert (result.expired, result.reminded) == (1, 0)
    assert {s.id: s.state for s in await surveys(app)} == {open_id: "expired",
                                                           answered_id: "answered"}
    late = await answer(client, open_id, "solved", True)
    assert late.json() == {"survey_id": open_id, "recorded": False, "next": None,
                           "reopened": False}
    # An answered survey still takes its comment.
    assert (await answer(client, answered_id, "comment", "ok")).json()["recorded"] is True


async def test_a_survey_expired_unreminded_gets_no_reminder(app, resolved) -> None:
    """A worker that was down for a week expires the survey: no reminder for it then."""
    await resolved()
    [survey] = await surveys(app)
    result = await app.state.survey_worker.run_once(now=survey.created_at + timedelta(days=8))
    assert (result.expired, result.reminded) == (1, 0)
    assert [m.get("kind") for m in await outbox(app)].count("survey_reminder") == 0


async def test_the_worker_runs_in_the_background(app, client, resolved, settings) -> None:
    """With the worker on, a due reminder goes out by itself."""
    _, survey_id = await resolved()
    background = create_app(make_settings(settings.database_url, survey_poll_seconds=0.05,
                                          survey_reminder_hours=0.0))
    async with background.router.lifespan_context(background):
        for _ in range(100):
            if any(m.get("kind") == "survey_reminder" for m in await outbox(app)):
                break
            await asyncio.sleep(0.05)
    assert [m.get("kind") for m in await outbox(app)].count("survey_reminder") == 1
