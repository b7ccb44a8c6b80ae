"""The statistics read `ticket_facts`: kept up to date from the queue the triggers fill, by
whoever changes a ticket or its survey, and reports cached only while they are still exact
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, func, select, update

from backend.kernel.database import utcnow
from backend.models import Base
from backend.stats import service as stats_service
from backend.stats.enums import GroupBy
from backend.stats.schemas import StatsQuery
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.stats.dataset import generate, load
from tests.backend.stats.expected import expected
from tests.backend.stats.test_stats import TIMEZONE, assert_report

TICKETS = Base.metadata.tables["tickets"]
SURVEYS = Base.metadata.tables["surveys"]
FACTS = Base.metadata.tables["ticket_facts"]
QUEUE = Base.metadata.tables["ticket_facts_queue"]
QUERY = StatsQuery(start=date(2025, 8, 20), end=date(2025, 11, 20), group_by=GroupBy.month)


async def _report(app, cache=None, now=None):
    async with app.state.sessionmaker() as session:
        report = await stats_service.report(db_session=session, query=QUERY,
                                            timezone=TIMEZONE, now=now or utcnow(),
                                            cache=cache)
    return report.model_dump(by_alias=True, mode="json")


async def _count(app, table) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def test_the_worker_writes_the_facts_of_what_changed(app) -> None:
    data = generate(300, seed=11)
    async with app.state.sessionmaker() as session:
        await load(session, data)
    # One queued change per inserted ticket and survey, nothing computed yet.
    assert await _count(app, QUEUE) == len(data.tickets) + len(data.surveys)
    assert await _count(app, FACTS) == 0
    assert await app.state.stats_facts.run_once() == len(data.tickets) + len(data.surveys)
    assert (await _count(app, QUEUE), await _count(app, FACTS)) == (0, len(data.tickets))
    assert await app.state.stats_facts.run_once() == 0


async def test_changes_by_any_writer_reach_the_figures(app) -> None:
    """Tickets cancelled, a rating given, a ticket deleted, written straight into the tables
    (as a migration, a script or another domain would): the next report agrees with a plain
    computation of the changed history, repeat repairs included."""
    data = generate(600, seed=12, customers_per_ticket=0.05)  # many repeat repairs
    async with app.state.sessionmaker() as session:
        await load(session, data)
    before = await _report(app)
    assert_report(before, expected(data, start=QUERY.start, end=QUERY.end, group_by="month",
                                   timezone=TIMEZONE, now=utcnow()))

    # Cancel the earlier repair of every pair counted as a repeat: those are no longer
    # repeats (nor the ones they preceded).
    repairs = sorted((t for t in data.tickets if t["type"] == "repair"
                      and t["status"] != "cancelled" and t["product"]),
                     key=lambda t: (t["created_at"], t["id"]))
    last: dict[tuple, dict] = {}
    cancelled = []
    for ticket in repairs:
        pair = (ticket["customer_id"], ticket["product"])
        previous = last.get(pair)
        if (previous is not None and previous["status"] != "cancelled"
                and ticket["created_at"] - previous["created_at"] <= timedelta(days=30)
                and len(cancelled) < 20):
            previous["status"] = "cancelled"
            cancelled.append(previous["id"])
        last[pair] = ticket
    assert len(cancelled) == 20
    rated = next(s for s in data.surveys if s["rating"] is None)
    rated["rating"] = 1
    async with app.state.sessionmaker() as session:
        await session.execute(update(TICKETS).where(TICKETS.c.id.in_(cancelled))
                              .values(status="cancelled"))
        await session.execute(update(SURVEYS).where(SURVEYS.c.id == rated["id"])
                              .values(rating=1))
        await session.commit()

    after = await _report(app)
    assert after["overall"]["repeat_repairs"] < before["overall"]["repeat_repairs"]
    assert after["overall"]["cancelled"] > before["overall"]["cancelled"]
    assert_report(after, expected(data, start=QUERY.start, end=QUERY.end, group_by="month",
                                  timezone=TIMEZONE, now=utcnow()))

    # A ticket deleted (with its record): its facts go too.
    gone = next(t for t in data.tickets if t["id"] not in cancelled
                and QUERY.start <= t["created_at"].date() < QUERY.end)
    async with app.state.sessionmaker() as session:
        for name in ("surveys", "ticket_events"):
            table = Base.metadata.tables[name]
            await session.execute(delete(table).where(table.c.ticket_id == gone["id"]))
        await session.execute(delete(TICKETS).where(TICKETS.c.id == gone["id"]))
        await session.commit()
    assert (await _report(app))["overall"]["tickets"] == after["overall"]["tickets"] - 1
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(FACTS.c.ticket_id)
                                      .where(FACTS.c.ticket_id == gone["id"]))).first() is None


async def test_a_status_change_through_the_api_shows_at_once(client, create,
                                                             change_status) -> None:
    params = {"breakdown": "type"}
    empty = (await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)).json()
    number = (await create(key="k-facts")).json()["number"]
    report = (await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)).json()
    assert report["overall"]["tickets"] == empty["overall"]["tickets"] + 1
    assert report["overall"]["cancelled"] == 0
    assert (await change_status(number, "cancelled")).status_code == 200
    report = (await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)).json()
    assert report["overall"]["cancelled"] == 1
    assert report["overall"]["first_response_minutes"]["count"] == 1  # a staff action


async def test_a_cached_report_is_the_one_a_new_computation_gives(app) -> None:
    """Same facts, same answer from the cache; a change, or an SLA due time passing, and the
    report is computed again."""
    data = generate(400, seed=13)
    async with app.state.sessionmaker() as session:
        await load(session, data)
    cache = stats_service.ReportCache()
    # A minute before an open milestone (never met) of a ticket in the range is due.
    due = min(t["resolution_due"] for t in data.tickets
              if t["resolution_due"] and t["resolved_at"] is None and t["status"] != "cancelled"
              and QUERY.start < t["created_at"].date() < QUERY.end)
    now = due - timedelta(minutes=1)
    first = await _report(app, cache, now)
    assert await _report(app, cache, now) == first
    # It passes: one more missed, as computed without the cache.
    later = due + timedelta(minutes=1)
    moved = await _report(app, cache, later)
    assert moved == await _report(app, None, later)
    missed = [sum(c["missed"] for c in r["overall"]["sla_compliance"].values())
              for r in (first, moved)]
    assert missed[1] >= missed[0] + 1
    # A change to a ticket: computed again.
    open_ticket = next(t for t in data.tickets if t["status"] != "cancelled"
                       and QUERY.start <= t["created_at"].date() < QUERY.end)
    async with app.state.sessionmaker() as session:
        await session.execute(update(TICKETS).where(TICKETS.c.id == open_ticket["id"])
                              .values(status="cancelled"))
        await session.commit()
    changed = await _report(app, cache, later)
    assert changed["overall"]["cancelled"] == moved["overall"]["cancelled"] + 1
    assert changed == await _report(app, None, later)
