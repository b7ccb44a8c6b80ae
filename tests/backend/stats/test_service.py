"""The service statistics (money per currency, parts, warranty share, quote acceptance,
first-time fix, how tickets were resolved) agree with a service history built through the real
services, overall and by technician, outlet, fault category and type, in the JSON and the CSV,
on SQLite and PostgreSQL; and follow what changes afterwards, whoever writes it."""

from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from backend.models import Base
from backend.stats import service as stats_service
from backend.stats.enums import GroupBy, MilestoneSource
from backend.stats.schemas import StatsQuery
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.service_records.conftest import (  # noqa: F401
    add_staff,
    answer,
    cheap_password_hashing,
    clock,
    complete,
    post,
    quote,
    respond,
    stock_technician,
    technicians,
    token_for,
)
from tests.backend.stats.service_history import History, Services, build, expected, prices

TIMEZONE = "Asia/Shanghai"
DIMENSIONS = ("technician", "outlet", "fault_category", "type")


async def _history(app, client, clock, create, quote, answer, complete, respond,  # noqa: F811
                   change_status, stock_technician, technicians) -> History:  # noqa: F811
    return await build(Services(client=client, clock=clock, app=app, create=create,
                                quote=quote, answer=answer, complete=complete, respond=respond,
                                change_status=change_status,
                                stock_technician=stock_technician, technicians=technicians))


def _params(history: History) -> dict[str, Any]:
    zone = ZoneInfo(TIMEZONE)
    return {"from": history.start.astimezone(zone).date().isoformat(),
            "to": history.end.astimezone(zone).date().isoformat(), "group_by": "week",
            "breakdown": list(DIMENSIONS)}


async def _report(client, history: History) -> dict[str, Any]:
    response = await client.get("/api/v1/stats", params=_params(history),
                                headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def assert_service(report: dict[str, Any], want: dict[str, Any]) -> None:
    assert report["overall"]["service"] == want["overall"]
    assert sum(p["service"]["jobs"] for p in report["trend"]) == want["overall"]["jobs"]
    for dimension in DIMENSIONS:
        rows = {row["key"]: row["service"] for row in report["breakdowns"][dimension]}
        assert rows == want[dimension], dimension


async def test_service_figures_agree_with_what_was_done(app, client, clock, create, quote,
                                                        answer, complete, respond,
                                                        change_status, stock_technician,
                                                        technicians) -> None:
    history = await _history(app, client, clock, create, quote, answer, complete, respond,
                             change_status, stock_technician, technicians)
    catalogue = await prices(client)
    report = await _report(client, history)
    want = expected(history.jobs, catalogue)
    assert_service(report, want)

    # What the history is, read off the figures: CNY never added to HKD.
    service = report["overall"]["service"]
    cny, hkd = service["money"]
    assert (cny["currency"], cny["tickets"], cny["revenue"]) == ("CNY", 7, "1430.00")
    assert (hkd["currency"], hkd["tickets"], hkd["revenue"]) == ("HKD", 2, "850.00")
    assert hkd["parts_value"] == f"{catalogue['RF-CMP']['HKD'] // 100}.00"
    assert service["quotes"] == {"accepted": 3, "declined": 1, "pending": 1,
                                 "acceptance_rate": 0.75}
    assert service["resolved_by"] == {"confirmed": 5, "timeout": 1, "override": 2,
                                      "staff": 1}
    assert (service["first_time_fixes"], service["resolved_repairs"]) == (5, 8)
    assert (service["warranty"]["free"], service["warranty"]["charged"],
            service["warranty"]["mixed"]) == (3, 3, 1)
    by_fault = {row["key"]: row for row in report["breakdowns"]["fault_category"]}
    assert by_fault["RF-COMP"]["label"] == "压缩机故障 Compressor fault"
    assert by_fault["NFF"]["service"]["quotes"]["declined"] == 1

    # Each job's visits, as stored: a "not fixed" that sent the job back is one, words added
    # after it or a dispute that reopened a resolved ticket are not (its return on site is).
    facts, tickets = Base.metadata.tables["ticket_facts"], Base.metadata.tables["tickets"]
    async with app.state.sessionmaker() as session:
        visits = dict((await session.execute(
            select(tickets.c.number, facts.c.visits)
            .join(facts, facts.c.ticket_id == tickets.c.id))).all())
    assert visits == {job.number: job.visits for job in history.jobs}
    assert sorted(job.visits for job in history.jobs) == [0, 0, 1, 1, 1, 1, 1, 1, 2, 2]

    # Computed here and now from the tickets: the same as the stored facts.
    query = StatsQuery(start=report["from"], end=report["to"], group_by=GroupBy.week)
    async with app.state.sessionmaker() as session:
        stored = await stats_service.report(db_session=session, query=query,
                                            timezone=TIMEZONE, now=clock.now)
        direct = await stats_service.report(db_session=session, query=query,
                                            timezone=TIMEZONE, now=clock.now,
                                            milestone_source=MilestoneSource.columns)
    assert direct.model_dump() == stored.model_dump()

    # The CSV: the same money, one row per currency, in major units.
    params = {k: v for k, v in _params(history).items() if k != "breakdown"}
    response = await client.get("/api/v1/stats.csv", params=params, headers=STAFF_HEADERS)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = {(r[0], r[3]): (r[4], r[5], r[6]) for r in rows[1:]}
    assert cells[("all", "revenue_total_CNY")] == ("收入合计（CNY）", "1430.00", "7")
    assert cells[("all", "revenue_total_HKD")] == ("收入合计（HKD）", "850.00", "2")
    assert cells[("all", "charge_per_ticket_HKD")][1] == hkd["charge_per_ticket"]
    assert cells[("all", "first_time_fix_rate")] == ("一次修复率", "0.625", "8")
    assert cells[("all", "quote_acceptance_rate")] == ("报价接受率", "0.75", "4")
    assert cells[("all", "resolved_by_override")] == ("人工强制解决数", "2", "9")
    assert cells[("all", "warranty_mixed_share")][2] == "7"


async def test_later_changes_reach_the_service_figures(app, client, clock, create, quote,
                                                      answer, complete, respond,
                                                      change_status, stock_technician,
                                                      technicians) -> None:
    """A pending quote accepted and paid, a part's price changed and a resolution rewritten
    straight in the tables, the repeat repair cancelled: the next report agrees with the
    history as it now is (the triggers queued every change)."""
    history = await _history(app, client, clock, create, quote, answer, complete, respond,
                             change_status, stock_technician, technicians)
    jobs = {job.chat: job for job in reversed(history.jobs)}  # chat 42: the first job, A
    first, pending, repeat = jobs["42"], jobs["47"], history.jobs[-1]
    before = await _report(client, history)

    accepted = await answer(pending.number, "accept", 1, chat=pending.chat)
    assert accepted.status_code == 200, accepted.text
    pending.quote_status = "accepted"
    payment = await client.post(f"/api/v1/tickets/{pending.number}/payments",
                                headers=STAFF_HEADERS, json={"amount": "210", "method": "card",
                                                             "receipt_number": "F-1"})
    assert payment.status_code == 201, payment.text
    pending.paid = 21000
    tables = Base.metadata.tables
    async with app.state.sessionmaker() as session:
        await session.execute(update(tables["parts"]).where(tables["parts"].c.number == "RF-CMP")
                              .values(price_cny=tables["parts"].c.price_cny + 5000))
        await session.execute(update(tables["tickets"])
                              .where(tables["tickets"].c.number == first.number)
                              .values(resolved_by="override"))
        await session.commit()
    first.resolved_by = "override"
    report = await _report(client, history)
    assert_service(report, expected(history.jobs, await prices(client)))
    cny = report["overall"]["service"]["money"][0]
    assert cny["revenue"] == "1640.00" != before["overall"]["service"]["money"][0]["revenue"]

    # The repeat repair reopened and cancelled: the first job was fixed the first time
    # after all (and the cancelled one is still a job created, with nothing earned).
    fixes = report["overall"]["service"]["first_time_fixes"]
    assert (await change_status(repeat.number, "reopened")).status_code == 200
    assert (await change_status(repeat.number, "cancelled")).status_code == 200
    repeat.resolved_by, repeat.cancelled = None, True
    report = await _report(client, history)
    assert_service(report, expected(history.jobs, await prices(client)))
    assert report["overall"]["service"]["first_time_fixes"] == fixes  # one gone, one more
    technician = {row["key"]: row["service"] for row in report["breakdowns"]["technician"]}
    assert technician[first.technician]["first_time_fixes"] == 2  # the first job, and B
