"""Service indicators (GB/T 27922 服务评价指标) over the tickets created in a period.

Every figure is about the tickets CREATED from `start` to `end` (local dates in
TICKET_TIMEZONE), and a ticket counts in the period of its creation: its survey, its
resolution, its SLA milestones count there, even when they happened later. So a recent
period's figures still move while its tickets are being worked on.

The facts of each ticket (`ticket_facts`, backend/stats/facts.py: its durations, its survey,
whether it is a repeat repair, its SLA milestones) are first brought up to date with the
changes queued since the last refresh, then aggregated
- on PostgreSQL in ONE statement: `GROUP BY GROUPING SETS` over overall, period and each
  breakdown, percentiles with `percentile_cont` (JIT off: compiling costs more than running);
- on SQLite (the embedded default, small data) in Python from the same facts.
Both give `Aggregate`s, turned into the API's indicators by `_indicators`. A `ReportCache`
keeps them while the facts do not change and no SLA due time passes.

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
- SLA compliance per milestone = met by the due time / (met + missed), where missed = met late
  or not met and past due; cancelled tickets and those without a due time are left out.
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import Base
from backend.stats import facts as stats_facts
from backend.stats.enums import (
    SLA_MILESTONES,
    Dimension,
    GroupBy,
    MilestoneSource,
)
from backend.stats.schemas import (
    BreakdownIndicators,
    Durations,
    Indicators,
    PeriodIndicators,
    SlaCompliance,
    StatsFilters,
    StatsQuery,
    StatsReport,
)
from backend.surveys.enums import SATISFIED_RATINGS, SurveyState
from backend.tickets.enums import TicketType

TICKETS = Base.metadata.tables["tickets"]
FACTS = Base.metadata.tables["ticket_facts"]
COMPLAINT = str(TicketType.complaint)
SATISFIED_MIN = min(SATISFIED_RATINGS)
SLA_COLUMNS = stats_facts.SLA_COLUMNS
MILESTONE_COLUMNS = ("first_responded_at", "on_site_at", "resolved_at")
DURATIONS = ("first_response", "on_site", "resolution", "complaint_resolution")
# The facts column of each breakdown.
DIMENSION_COLUMNS = {Dimension.type: "type", Dimension.product: "product",
                     Dimension.outlet: "outlet_id", Dimension.technician: "assignee_id",
                     Dimension.sla_policy: "sla_policy_id"}
WORK_MEM = "32MB"  # PostgreSQL, for the statistics statement only


class StatsUnavailable(Exception):
    """A filter on something this database does not record (the message says what)."""


# ---- what this database has -----------------------------------------------------------------

@dataclass(frozen=True)
class Capabilities:
    """Which optional columns the tickets table has (other domains add them)."""

    dimensions: tuple[Dimension, ...]
    milestone_columns: bool
    sla: bool

    @classmethod
    def of_schema(cls) -> Capabilities:
        columns = TICKETS.c
        dimensions = [Dimension.type, Dimension.product]
        if "outlet_id" in columns or "proposed_outlet_id" in columns:
            dimensions.append(Dimension.outlet)
        if "assignee_id" in columns and "staff" in Base.metadata.tables:
            dimensions.append(Dimension.technician)
        sla = all(name in columns for pair in SLA_COLUMNS.values() for name in pair)
        if sla and "sla_policy_id" in columns and "sla_policies" in Base.metadata.tables:
            dimensions.append(Dimension.sla_policy)
        return cls(dimensions=tuple(dimensions),
                   milestone_columns=all(name in columns for name in MILESTONE_COLUMNS),
                   sla=sla)

    @property
    def unavailable(self) -> list[str]:
        missing = [f"breakdown:{d}" for d in Dimension if d not in self.dimensions]
        if not self.sla:
            missing.append("sla_compliance")
        return missing


# ---- aggregates -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Quantiles:
    median: float | None = None
    p90: float | None = None
    count: int = 0


@dataclass
class Aggregate:
    tickets: int = 0
    ratings: int = 0
    satisfied: int = 0
    rating_sum: int = 0
    surveys: int = 0
    answered: int = 0
    complaints: int = 0
    cancelled: int = 0
    repairs: int = 0
    repeat_repairs: int = 0
    durations: dict[str, Quantiles] = field(default_factory=dict)
    sla: dict[str, tuple[int, int]] | None = None  # milestone -> (met, missed)
    # The first SLA due time still to come: until then the SLA figures stay as they are.
    next_due: datetime | None = None


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The q-quantile of sorted values by linear interpolation (PostgreSQL's
    percentile_cont)."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rate(part: int, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _minutes_out(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _indicators(agg: Aggregate, sla: bool) -> dict[str, Any]:
    def durations(name: str) -> Durations:
        q = agg.durations.get(name, Quantiles())
        return Durations(median=_minutes_out(q.median), p90=_minutes_out(q.p90), count=q.count)

    compliance = None
    if sla:
        counts = agg.sla or dict.fromkeys(SLA_MILESTONES, (0, 0))
        compliance = {milestone: SlaCompliance(rate=_rate(met, met + missed), met=met,
                                               missed=missed)
                      for milestone, (met, missed) in counts.items()}
    return dict(
        tickets=agg.tickets,
        satisfaction_rate=_rate(agg.satisfied, agg.ratings), satisfied=agg.satisfied,
        ratings=agg.ratings,
        average_rating=round(agg.rating_sum / agg.ratings, 2) if agg.ratings else None,
        survey_response_rate=_rate(agg.answered, agg.surveys), surveys=agg.surveys,
        surveys_answered=agg.answered,
        first_response_minutes=durations("first_response"),
        on_site_minutes=durations("on_site"),
        resolution_minutes=durations("resolution"),
        complaint_rate=_rate(agg.complaints, agg.tickets), complaints=agg.complaints,
        complaint_resolution_minutes=durations("complaint_resolution"),
        repeat_repair_rate=_rate(agg.repeat_repairs, agg.repairs), repairs=agg.repairs,
        repeat_repairs=agg.repeat_repairs,
        cancellation_rate=_rate(agg.cancelled, agg.tickets), cancelled=agg.cancelled,
        sla_compliance=compliance,
    )


# ---- periods --------------------------------------------------------------------------------

def period_start(day: date, group_by: GroupBy) -> date:
    if group_by == GroupBy.week:
        return day - timedelta(days=day.weekday())
    if group_by == GroupBy.month:
        return day.replace(day=1)
    return day


def _next_period(start: date, group_by: GroupBy) -> date:
    if group_by == GroupBy.week:
        return start + timedelta(days=7)
    if group_by == GroupBy.month:
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def period_label(start: date, group_by: GroupBy) -> str:
    if group_by == GroupBy.week:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if group_by == GroupBy.month:
        return start.strftime("%Y-%m")
    return start.isoformat()


def periods(start: date, end: date, group_by: GroupBy) -> list[tuple[date, date, date]]:
    """(period's own first day, first day within the request, last day within it), in order."""
    result = []
    first = period_start(start, group_by)
    while first <= end:
        following = _next_period(first, group_by)
        result.append((first, max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return result


def utc_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) local, in UTC."""
    zone = ZoneInfo(timezone)
    return (datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC))


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
              capabilities: Capabilities, source: MilestoneSource | None):
    """The facts of the tickets of `query`, with only the columns aggregated: from
    `ticket_facts`, or (`source` given) computed from the tickets here and now."""
    low, high = utc_bounds(query.start, query.end, timezone)
    if source is None:
        facts = FACTS
    else:
        facts = stats_facts.facts_select(
            postgres=postgres, source=source,
            tickets=and_(TICKETS.c.created_at >= low, TICKETS.c.created_at < high),
            repairs=stats_facts.repairs_window(low, high)).subquery("facts")
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
    columns = [] if postgres else [f.created_at]
    columns += [f.type, f.cancelled, *(f[DIMENSION_COLUMNS[d]].label(str(d)) for d in wanted
                                      if d != Dimension.type),
                f.first_response, f.on_site, f.resolution, f.rating, f.survey_state,
                f.repeat_repair]
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


# ---- PostgreSQL: aggregated in SQL ----------------------------------------------------------

def _aggregates_sql(facts, capabilities: Capabilities):
    f = facts.c

    def count_if(condition: ColumnElement) -> ColumnElement:
        return func.count(case((condition, 1), else_=null()))

    def quantiles(column: ColumnElement) -> list[ColumnElement]:
        return [func.percentile_cont(array([0.5, 0.9]), type_=ARRAY(Float)).within_group(column),
                func.count(column)]

    complaint_resolution = case((f.type == COMPLAINT, f.resolution), else_=null())
    measures = [
        func.count().label("tickets"),
        func.count(f.rating).label("ratings"),
        count_if(f.rating >= SATISFIED_MIN).label("satisfied"),
        func.coalesce(func.sum(f.rating), 0).label("rating_sum"),
        func.count(f.survey_state).label("surveys"),
        count_if(f.survey_state == str(SurveyState.answered)).label("answered"),
        count_if(f.type == COMPLAINT).label("complaints"),
        count_if(f.cancelled).label("cancelled"),
        func.count(f.repeat_repair).label("repairs"),
        func.coalesce(func.sum(f.repeat_repair), 0).label("repeat_repairs"),
    ]
    for name, column in (("first_response", f.first_response), ("on_site", f.on_site),
                         ("resolution", f.resolution),
                         ("complaint_resolution", complaint_resolution)):
        quantile, count = quantiles(column)
        measures += [quantile.label(f"{name}_q"), count.label(f"{name}_n")]
    if capabilities.sla:
        for milestone in SLA_MILESTONES:
            column = f[f"sla_{milestone}"]
            measures += [count_if(column == 1).label(f"sla_{milestone}_met"),
                         count_if(column == 0).label(f"sla_{milestone}_missed")]
        measures.append(func.min(f.next_due).label("next_due"))
    return measures


def _aggregate_of(row: Any, capabilities: Capabilities) -> Aggregate:
    durations = {}
    for name in DURATIONS:
        q = row._mapping[f"{name}_q"]
        durations[name] = Quantiles(median=q[0] if q else None, p90=q[1] if q else None,
                                    count=row._mapping[f"{name}_n"])
    sla, next_due = None, None
    if capabilities.sla:
        sla = {m: (row._mapping[f"sla_{m}_met"], row._mapping[f"sla_{m}_missed"])
               for m in SLA_MILESTONES}
        next_due = row._mapping["next_due"]
    m = row._mapping
    return Aggregate(tickets=m["tickets"], ratings=m["ratings"], satisfied=m["satisfied"],
                     rating_sum=int(m["rating_sum"]), surveys=m["surveys"],
                     answered=m["answered"], complaints=m["complaints"],
                     cancelled=m["cancelled"], repairs=m["repairs"],
                     repeat_repairs=int(m["repeat_repairs"]), durations=durations, sla=sla,
                     next_due=next_due)


async def _settings(connection) -> None:
    """For the statistics statement: compiling it (JIT) costs more than running it; its sorts
    fit in memory at 100,000 tickets."""
    await connection.execute(text("SET LOCAL jit = off"))
    await connection.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))


OVERALL, PERIOD = "overall", "period"  # groupings besides the breakdowns


async def _aggregate_postgres(db_session: AsyncSession, facts_select, dimensions,
                              capabilities: Capabilities):
    """The groupings (overall, periods, each breakdown: each costs about the same, sorts for
    its percentiles) in two `GROUPING SETS` statements run at once, the second on another
    connection reading the same snapshot."""
    facts = facts_select.subquery("facts")
    measures = _aggregates_sql(facts, capabilities)
    groupings: list[Any] = [OVERALL, PERIOD, *dimensions]
    half = (len(groupings) + 1) // 2
    parts = [groupings[:half], groupings[half:]]

    def statement(part: list[Any]):
        keys = [facts.c[str(g)] for g in part if g != OVERALL]
        if not keys:
            return select(literal(0).label("grouping"), *measures)
        sets = [tuple_(key) for key in keys] + ([tuple_()] if OVERALL in part else [])
        return (select(func.grouping(*keys).label("grouping"), *keys, *measures)
                .group_by(func.grouping_sets(*sets)))

    await db_session.commit()  # a new transaction: one snapshot for both statements
    await db_session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    await _settings(db_session)
    snapshot = (await db_session.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
    async with db_session.bind.connect() as other:
        await other.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        await other.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        await _settings(other)
        results = [r.all() for r in await asyncio.gather(
            db_session.execute(statement(parts[0])), other.execute(statement(parts[1])))]
    overall, by_period = Aggregate(), {}
    by_dimension: dict[Dimension, dict[Any, Aggregate]] = {d: {} for d in dimensions}
    for part, rows in zip(parts, results, strict=True):
        keys = [g for g in part if g != OVERALL]
        for row in rows:
            grouped = [g for i, g in enumerate(keys)
                       if not row.grouping & (1 << (len(keys) - 1 - i))]
            aggregate = _aggregate_of(row, capabilities)
            if not grouped:
                overall = aggregate
            elif grouped == [PERIOD]:
                by_period[row.period] = aggregate
            else:
                by_dimension[grouped[0]][row._mapping[str(grouped[0])]] = aggregate
    return overall, by_period, by_dimension


# ---- SQLite (and small data): aggregated in Python from the facts ---------------------------

@dataclass
class _Accumulator:
    aggregate: Aggregate = field(default_factory=Aggregate)
    values: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, row: Any, sla: bool, now: datetime) -> None:
        a = self.aggregate
        a.tickets += 1
        if row.rating is not None:
            a.ratings += 1
            a.rating_sum += row.rating
            a.satisfied += row.rating >= SATISFIED_MIN
        if row.survey_state is not None:
            a.surveys += 1
            a.answered += row.survey_state == SurveyState.answered
        a.complaints += row.type == COMPLAINT
        a.cancelled += bool(row.cancelled)
        if row.repeat_repair is not None:
            a.repairs += 1
            a.repeat_repairs += row.repeat_repair
        for name in ("first_response", "on_site", "resolution"):
            value = getattr(row, name)
            if value is not None:
                self.values[name].append(value)
        if row.type == COMPLAINT and row.resolution is not None:
            self.values["complaint_resolution"].append(row.resolution)
        if sla:
            a.sla = a.sla or dict.fromkeys(SLA_MILESTONES, (0, 0))
            for milestone in SLA_MILESTONES:
                state = getattr(row, f"sla_{milestone}")
                met, missed = a.sla[milestone]
                a.sla[milestone] = (met + (state == 1), missed + (state == 0))
                due = getattr(row, f"{milestone}_due")
                if due is not None and due > now and (a.next_due is None or due < a.next_due):
                    a.next_due = due

    def finish(self, sla: bool) -> Aggregate:
        for name in DURATIONS:
            ordered = sorted(self.values.get(name, ()))
            self.aggregate.durations[name] = Quantiles(median=percentile(ordered, 0.5),
                                                       p90=percentile(ordered, 0.9),
                                                       count=len(ordered))
        return self.aggregate


async def _aggregate_python(db_session: AsyncSession, facts_select, dimensions,
                            capabilities: Capabilities, group_by: GroupBy, timezone: str,
                            now: datetime):
    zone = ZoneInfo(timezone)
    overall = _Accumulator()
    by_period: dict[date, _Accumulator] = defaultdict(_Accumulator)
    by_dimension: dict[Dimension, dict[Any, _Accumulator]] = {
        d: defaultdict(_Accumulator) for d in dimensions}
    sla = capabilities.sla
    for row in (await db_session.execute(facts_select)).all():
        overall.add(row, sla, now)
        local_day = row.created_at.astimezone(zone).date()
        by_period[period_start(local_day, group_by)].add(row, sla, now)
        for dimension in dimensions:
            by_dimension[dimension][row._mapping[str(dimension)]].add(row, sla, now)
    return (overall.finish(sla), {k: v.finish(sla) for k, v in by_period.items()},
            {d: {k: v.finish(sla) for k, v in groups.items()}
             for d, groups in by_dimension.items()})


# ---- the report -----------------------------------------------------------------------------

async def _labels(db_session: AsyncSession, dimension: Dimension,
                  keys: Iterable[Any]) -> dict[Any, tuple[Any, str | None]]:
    """key -> (the key shown, its label) for the breakdown rows."""
    keys = [k for k in keys if k is not None]
    tables = Base.metadata.tables
    if dimension == Dimension.outlet and keys:
        outlets = tables["outlets"]
        rows = await db_session.execute(select(outlets.c.id, outlets.c.name)
                                        .where(outlets.c.id.in_(keys)))
        return {id_: (id_, name) for id_, name in rows}
    if dimension == Dimension.technician and keys:
        staff = tables["staff"]
        rows = await db_session.execute(select(staff.c.id, staff.c.username,
                                               staff.c.display_name)
                                        .where(staff.c.id.in_(keys)))
        return {id_: (username, display) for id_, username, display in rows}
    if dimension == Dimension.sla_policy and keys:
        policies = tables["sla_policies"]
        rows = await db_session.execute(
            select(policies.c.id, policies.c.ticket_type, policies.c.priority,
                   policies.c.customer_tier).where(policies.c.id.in_(keys)))
        return {id_: (id_, f"{kind} · {priority or 'any priority'} · {tier or 'any tier'}")
                for id_, kind, priority, tier in rows}
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
    postgres = db_session.bind.dialect.name == "postgresql"
    facts, dimensions = _selected(query=query, timezone=timezone, now=now, postgres=postgres,
                                  capabilities=capabilities, source=source)
    if not postgres:
        return await _aggregate_python(db_session, facts, dimensions, capabilities,
                                       query.group_by, timezone, now)
    overall, by_index, by_dimension = await _aggregate_postgres(
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
        if version is not None:
            cache.put(key, version, aggregates[0].next_due, aggregates)
    overall, by_period, by_dimension = aggregates
    dimensions = list(by_dimension)
    sla = capabilities.sla

    trend = [PeriodIndicators(period=period_label(first, query.group_by), start=start, end=end,
                              **_indicators(by_period.get(first, Aggregate()), sla))
             for first, start, end in periods(query.start, query.end, query.group_by)]
    breakdowns: dict[str, list[BreakdownIndicators]] = {}
    for dimension in dimensions:
        groups = by_dimension[dimension]
        labels = await _labels(db_session, dimension, groups)
        rows = []
        for key, aggregate in groups.items():
            shown, label = labels.get(key, (key, None))
            rows.append(BreakdownIndicators(key=shown, label=label,
                                            **_indicators(aggregate, sla)))
        rows.sort(key=lambda row: (-row.tickets, str(row.key)))
        breakdowns[str(dimension)] = rows
    await db_session.rollback()
    return StatsReport(
        start=query.start, end=query.end, group_by=query.group_by, timezone=timezone,
        filters=StatsFilters(type=query.type, product=query.product, outlet=query.outlet,
                             technician=query.technician),
        overall=Indicators(**_indicators(overall, sla)), trend=trend, breakdowns=breakdowns,
        unavailable=capabilities.unavailable,
    )
