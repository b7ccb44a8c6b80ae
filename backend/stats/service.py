"""Service indicators (GB/T 27922 服务评价指标) over the tickets created in a period.

Every figure is about the tickets CREATED from `start` to `end` (local dates in
TICKET_TIMEZONE), and a ticket counts in the period of its creation: its survey, its
resolution, its SLA milestones count there, even when they happened later. So a recent
period's figures still move while its tickets are being worked on.

The facts of each ticket (`ticket_facts`, backend/stats/facts.py: its durations, its survey,
whether it is a repeat repair, its SLA milestones) are first brought up to date with the
changes queued since the last refresh, then aggregated
- on PostgreSQL in ONE statement: `GROUP BY GROUPING SETS` over overall, period and each
  breakdown, percentiles with `percentile_cont` (JIT off: compiling costs more than running;
  backend/stats/postgres.py);
- on SQLite (the embedded default, small data) in Python from the same facts
  (backend/stats/aggregates.py).
Both give `Aggregate`s, turned into the API's indicators by `aggregates.indicators`. A
`ReportCache` keeps them while the facts do not change and no SLA due time passes.

The definitions (docs/statistics.md):
- satisfaction rate = ratings 4-5 / ratings; average rating over ratings;
- survey response rate = answered surveys / surveys;
- first response = the first staff action after creation; on site (repair, installation) =
  the first `in_progress`; resolution = `resolved` (tickets resolved now; the last time);
  minutes, median and 90th percentile (linear interpolation, as percentile_cont);
- complaint rate = complaints / tickets; complaint resolution as above, complaints only;
- repeat repair rate = repairs (not cancelled) whose customer's previous repair (not
  cancelled) of the same product was created at most 30 days before / repairs (not cancelled);
- cancellation rate = cancelled / tickets;
- the service (repairs and installations; backend/stats/service_facts.py): money per
  currency, parts, warranty share, quote acceptance, first-time fix, resolved by;
- SLA compliance per milestone = met by the due time / (met + missed), where missed = met late
  or not met and past due; cancelled tickets and those without a due time are left out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_, case, func, literal, null, or_, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import Base
from backend.service_records.faults import COMMON, INSTALLED, SPECIFIC
from backend.stats import facts as stats_facts
from backend.stats import service_aggregates, service_facts
from backend.stats.aggregates import Aggregate, aggregate_python, indicators
from backend.stats.capabilities import TICKETS, Capabilities
from backend.stats.enums import SLA_MILESTONES, Dimension, MilestoneSource
from backend.stats.periods import period_label, periods, utc_bounds
from backend.stats.postgres import aggregate_postgres
from backend.stats.schemas import (
    BreakdownIndicators,
    Indicators,
    PeriodIndicators,
    StatsFilters,
    StatsQuery,
    StatsReport,
)

FACTS = Base.metadata.tables["ticket_facts"]
# The facts column of each breakdown.
DIMENSION_COLUMNS = {Dimension.type: "type", Dimension.product: "product",
                     Dimension.outlet: "outlet_id", Dimension.technician: "assignee_id",
                     Dimension.sla_policy: "sla_policy_id",
                     Dimension.fault_category: "fault_category"}
# A fault category's label: its names (zh-Hans, en).
FAULT_NAMES = {fault.code: f"{fault.zh_hans} {fault.en}"
               for fault in (INSTALLED, *COMMON, *(f for own in SPECIFIC.values() for f in own))}


class StatsUnavailable(Exception):
    """A filter on something this database does not record (the message says what)."""


# ---- which facts ----------------------------------------------------------------------------

def _period_index(created: ColumnElement, query: StatsQuery, timezone: str) -> ColumnElement:
    """0, 1, … : the period of the request a ticket was created in. The periods' first
    instants (local midnight, in UTC) are computed here, so PostgreSQL does a binary search
    per ticket instead of a time zone conversion."""
    starts = [utc_bounds(first, first, timezone)[0]
              for _, first, _ in periods(query.start, query.end, query.group_by)[1:]]
    if not starts:
        return literal(0)
    return func.width_bucket(created, array(starts, type_=DateTime(timezone=True)))


def _wanted(query: StatsQuery, capabilities: Capabilities) -> list[Dimension]:
    """The breakdowns to compute: those asked for (all by default) that this database has."""
    return [d for d in capabilities.dimensions
            if query.breakdowns is None or d in query.breakdowns]


def _selected(*, query: StatsQuery, timezone: str, now: datetime, postgres: bool,
              capabilities: Capabilities, source: MilestoneSource | None,
              city_currencies: dict[str, str]):
    """The facts of the tickets of `query`, with only the columns aggregated: from
    `ticket_facts`, or (`source` given) computed from the tickets here and now."""
    low, high = utc_bounds(query.start, query.end, timezone)
    if source is None:
        facts = FACTS
    else:
        facts = stats_facts.facts_select(
            postgres=postgres, source=source, tickets=_created(low, high),
            repairs=stats_facts.repairs_window(low, high),
            city_currencies=city_currencies).subquery("facts")
    f = facts.c
    wanted = _wanted(query, capabilities)
    conditions = [f.created_at >= low, f.created_at < high]
    if query.type is not None:
        conditions.append(f.type == str(query.type))
    if query.product is not None:
        conditions.append(f.product == query.product)
    if query.outlet is not None:
        if Dimension.outlet not in capabilities.dimensions:
            raise StatsUnavailable("tickets have no outlet in this database")
        conditions.append(f.outlet_id == query.outlet)
    if query.technician is not None:
        if Dimension.technician not in capabilities.dimensions:
            raise StatsUnavailable("tickets have no assignee in this database")
        staff = Base.metadata.tables["staff"]
        conditions.append(f.assignee_id.in_(
            select(staff.c.id).where(staff.c.username == query.technician)))
    # PostgreSQL sorts these rows once per grouping set: only what it aggregates.
    columns: list[ColumnElement[Any]] = [] if postgres else [f.created_at]
    columns += [f.type, f.cancelled, *(f[DIMENSION_COLUMNS[d]].label(str(d)) for d in wanted
                                      if d != Dimension.type),
                f.first_response, f.on_site, f.resolution, f.rating, f.survey_state,
                f.repeat_repair, *(f[name] for name in service_aggregates.COLUMNS)]
    if postgres:
        columns.append(_period_index(f.created_at, query, timezone).label("period"))
    if capabilities.sla:
        dues = [f[f"{milestone}_due"] for milestone in SLA_MILESTONES]
        if postgres:  # greatest/least leave out NULLs there
            columns.append(func.least(*(case((due > now, due)) for due in dues))
                           .label("next_due"))
        else:
            columns += dues
        for milestone in SLA_MILESTONES:
            # 1 met by the due time, 0 missed (met late, or not met and past due now).
            columns.append(case((f[f"sla_{milestone}"] == 1, 1),
                                (or_(f[f"sla_{milestone}"] == 0, f[f"{milestone}_due"] <= now),
                                 0), else_=null()).label(f"sla_{milestone}"))
    return select(*columns).where(*conditions), wanted


def _created(low: datetime, high: datetime) -> ColumnElement[bool]:
    return and_(TICKETS.c.created_at >= low, TICKETS.c.created_at < high)


# ---- the report -----------------------------------------------------------------------------

async def _labels(db_session: AsyncSession, dimension: Dimension,
                  keys: Iterable[Any]) -> dict[Any, tuple[Any, str | None]]:
    """key -> (the key shown, its label) for the breakdown rows."""
    keys = [k for k in keys if k is not None]
    tables = Base.metadata.tables
    if dimension == Dimension.outlet and keys:
        outlets = tables["outlets"]
        names = await db_session.execute(select(outlets.c.id, outlets.c.name)
                                         .where(outlets.c.id.in_(keys)))
        return {id_: (id_, name) for id_, name in names}
    if dimension == Dimension.technician and keys:
        staff = tables["staff"]
        people = await db_session.execute(select(staff.c.id, staff.c.username,
                                                 staff.c.display_name)
                                          .where(staff.c.id.in_(keys)))
        return {id_: (username, display) for id_, username, display in people}
    if dimension == Dimension.sla_policy and keys:
        policies = tables["sla_policies"]
        rules = await db_session.execute(
            select(policies.c.id, policies.c.ticket_type, policies.c.priority,
                   policies.c.customer_tier).where(policies.c.id.in_(keys)))
        return {id_: (id_, f"{kind} · {priority or 'any priority'} · {tier or 'any tier'}")
                for id_, kind, priority, tier in rules}
    if dimension == Dimension.fault_category:
        return {k: (k, FAULT_NAMES.get(k)) for k in keys}
    return {k: (k, None) for k in keys}


async def refresh_facts(*, db_session: AsyncSession,
                        capabilities: Capabilities | None = None) -> int:
    """Write the facts of every ticket changed since the last refresh (committed batch by
    batch); how many queued changes there were."""
    capabilities = capabilities or Capabilities.of_schema()
    source = (MilestoneSource.columns if capabilities.milestone_columns
              else MilestoneSource.events)
    total = 0
    while taken := await stats_facts.refresh(db_session=db_session, source=source):
        await db_session.commit()
        total += taken
    await db_session.commit()
    return total


class ReportCache:
    """The aggregates of recent requests, for as long as they are exactly what a new
    computation would give: the facts still have the version they were computed from, and no
    SLA due time of their tickets has passed since (an open milestone would turn missed). Per
    backend process; the version is in the database, so changes through any process count.
    Labels (outlet and staff names) are not kept: they are read for every report."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._entries: OrderedDict[tuple, tuple[int, datetime | None, Any]] = OrderedDict()

    def get(self, key: tuple, version: int, now: datetime) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return None
        computed_at, until, aggregates = entry
        if computed_at != version or (until is not None and now >= until):
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return aggregates

    def put(self, key: tuple, version: int, until: datetime | None, aggregates: Any) -> None:
        self._entries[key] = (version, until, aggregates)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


async def _aggregates(db_session: AsyncSession, *, query: StatsQuery, timezone: str,
                      now: datetime, capabilities: Capabilities,
                      source: MilestoneSource | None):
    """(overall, {period's first day: aggregate}, {dimension: {key: aggregate}})."""
    postgres = db_session.get_bind().dialect.name == "postgresql"
    cities: dict[str, str] = {}
    if source is not None:
        cities = await service_facts.city_currencies(
            db_session, _created(*utc_bounds(query.start, query.end, timezone)))
    facts, dimensions = _selected(query=query, timezone=timezone, now=now, postgres=postgres,
                                  capabilities=capabilities, source=source,
                                  city_currencies=cities)
    if not postgres:
        return await aggregate_python(db_session, facts, dimensions, capabilities,
                                       query.group_by, timezone, now)
    overall, by_index, by_dimension = await aggregate_postgres(
        db_session, facts, dimensions, capabilities)
    firsts = [first for first, _, _ in periods(query.start, query.end, query.group_by)]
    return (overall, {firsts[index]: aggregate for index, aggregate in by_index.items()},
            by_dimension)


async def report(*, db_session: AsyncSession, query: StatsQuery, timezone: str,
                 now: datetime, milestone_source: MilestoneSource | None = None,
                 cache: ReportCache | None = None) -> StatsReport:
    """The indicators over the tickets of `query`, overall, per period and per breakdown.
    StatsUnavailable for a filter on a column this database does not have. The facts are
    brought up to date first (the changes queued since the last refresh), then aggregated, or
    taken from `cache` if nothing changed since. `milestone_source` (tests): compute the facts
    here from that source instead."""
    capabilities = Capabilities.of_schema()
    aggregates, key, version = None, (query.model_dump_json(), timezone), None
    if milestone_source is None:
        await refresh_facts(db_session=db_session, capabilities=capabilities)
        if cache is not None:
            version = await stats_facts.version(db_session=db_session)
            aggregates = cache.get(key, version, now)
    if aggregates is None:
        aggregates = await _aggregates(db_session, query=query, timezone=timezone, now=now,
                                       capabilities=capabilities, source=milestone_source)
        if cache is not None and version is not None:
            cache.put(key, version, aggregates[0].next_due, aggregates)
    overall, by_period, by_dimension = aggregates
    dimensions = list(by_dimension)
    sla = capabilities.sla

    trend = [PeriodIndicators(period=period_label(first, query.group_by), start=start, end=end,
                              **indicators(by_period.get(first, Aggregate()), sla))
             for first, start, end in periods(query.start, query.end, query.group_by)]
    breakdowns: dict[str, list[BreakdownIndicators]] = {}
    for dimension in dimensions:
        groups = by_dimension[dimension]
        labels = await _labels(db_session, dimension, groups)
        rows = []
        for key, aggregate in groups.items():
            shown, label = labels.get(key, (key, None))
            rows.append(BreakdownIndicators(key=shown, label=label,
                                            **indicators(aggregate, sla)))
        rows.sort(key=lambda row: (-row.tickets, str(row.key)))
        breakdowns[str(dimension)] = rows
    await db_session.rollback()
    # populate_by_name: `start`/`end` by name; mypy (without pydantic's plugin) knows only
    # the aliases `from`/`to` as keywords.
    return StatsReport(  # type: ignore[call-arg]
        start=query.start, end=query.end, group_by=query.group_by, timezone=timezone,
        filters=StatsFilters(type=query.type, product=query.product, outlet=query.outlet,
                             technician=query.technician),
        overall=Indicators(**indicators(overall, sla)), trend=trend, breakdowns=breakdowns,
        unavailable=capabilities.unavailable,
    )
