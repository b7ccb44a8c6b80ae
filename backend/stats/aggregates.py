"""The aggregates of a group of tickets' facts and the indicators made from them; on SQLite
(the embedded default, small data) the aggregation itself, in Python (PostgreSQL aggregates in
SQL: backend/stats/postgres.py).

Durations are in minutes: median and 90th percentile by linear interpolation, as PostgreSQL's
percentile_cont, so both give the same figures."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from backend.stats import service_aggregates
from backend.stats.capabilities import Capabilities
from backend.stats.enums import SLA_MILESTONES, Dimension, GroupBy
from backend.stats.periods import period_start
from backend.stats.schemas import Durations, SlaCompliance
from backend.surveys.enums import SATISFIED_RATINGS, SurveyState
from backend.tickets.enums import TicketType

COMPLAINT = str(TicketType.complaint)
SATISFIED_MIN = min(SATISFIED_RATINGS)
DURATIONS = ("first_response", "on_site", "resolution", "complaint_resolution")


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
    service: service_aggregates.ServiceAggregate = field(
        default_factory=service_aggregates.ServiceAggregate)


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


def indicators(agg: Aggregate, sla: bool) -> dict[str, Any]:
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
        sla_compliance=compliance, service=service_aggregates.indicators(agg.service),
    )


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
        a.service.add(row)
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


async def aggregate_python(db_session: AsyncSession, facts_select, dimensions,
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

