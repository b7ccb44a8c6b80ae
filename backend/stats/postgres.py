"""On PostgreSQL the facts are aggregated in SQL: `GROUP BY GROUPING SETS` over overall, period
and each breakdown, percentiles with `percentile_cont`, in two statements run at once on one
snapshot (JIT off: compiling costs more than running), and the service figures in a third,
hashed (no percentiles)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Float, case, func, literal, null, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.stats import service_aggregates
from backend.stats.aggregates import COMPLAINT, DURATIONS, SATISFIED_MIN, Aggregate, Quantiles
from backend.stats.capabilities import Capabilities
from backend.stats.enums import SLA_MILESTONES, Dimension
from backend.surveys.enums import SurveyState

WORK_MEM = "32MB"  # PostgreSQL, for the statistics statement only


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


def _grouped(facts, part: list[Any], measures: list[ColumnElement]):
    """One statement of these groupings: `GROUP BY GROUPING SETS`, `grouping` saying which."""
    keys = [facts.c[str(g)] for g in part if g != OVERALL]
    if not keys:
        return select(literal(0).label("grouping"), *measures)
    sets = [tuple_(key) for key in keys] + ([tuple_()] if OVERALL in part else [])
    return (select(func.grouping(*keys).label("grouping"), *keys, *measures)
            .group_by(func.grouping_sets(*sets)))


def _groups(part: list[Any], rows) -> Iterator[tuple[Any, Any, Any]]:
    """(grouping: OVERALL, PERIOD or a dimension; its key; the row) of a statement's rows."""
    keys = [g for g in part if g != OVERALL]
    for row in rows:
        grouped = [g for i, g in enumerate(keys) if not row.grouping & (1 << (len(keys) - 1 - i))]
        if not grouped:
            yield OVERALL, None, row
        else:
            yield grouped[0], row._mapping[str(grouped[0])], row


async def aggregate_postgres(db_session: AsyncSession, facts_select, dimensions,
                             capabilities: Capabilities):
    """The groupings (overall, periods, each breakdown: each costs about the same, sorts for
    its percentiles) in two `GROUPING SETS` statements run at once, the second on another
    connection reading the same snapshot, followed there by a third: the service figures of
    every grouping and currency, sums and counts only (hashed, no sort:
    backend/stats/service_aggregates.py), which the two sorting ones then do not carry."""
    facts = facts_select.subquery("facts")
    measures = _aggregates_sql(facts, capabilities)
    groupings: list[Any] = [OVERALL, PERIOD, *dimensions]
    half = (len(groupings) + 1) // 2
    parts = [groupings[:half], groupings[half:]]
    # Per grouping and currency (the money is summed per currency; the counts, added up):
    # fewer aggregates than one sum per currency, hashed. The overall: the periods' sum.
    keys = [facts.c[str(g)] for g in groupings if g != OVERALL]
    service = (select(func.grouping(*keys).label("grouping"), *keys, facts.c.currency,
                      *service_aggregates.measures(facts.c))
               .group_by(func.grouping_sets(*(tuple_(key, facts.c.currency) for key in keys))))

    await db_session.commit()  # a new transaction: one snapshot for both statements
    await db_session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    await _settings(db_session)
    snapshot = (await db_session.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
    engine = db_session.bind
    assert isinstance(engine, AsyncEngine)  # sessions are bound to the engine (make_sessionmaker)
    async with engine.connect() as other:
        await other.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        await other.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        await _settings(other)

        async def second() -> tuple[Sequence[Any], Sequence[Any]]:
            rows = (await other.execute(_grouped(facts, parts[1], measures))).all()
            return rows, (await other.execute(service)).all()

        first, (second_rows, service_rows) = await asyncio.gather(
            db_session.execute(_grouped(facts, parts[0], measures)), second())
    overall, by_period = Aggregate(), {}
    by_dimension: dict[Dimension, dict[Any, Aggregate]] = {d: {} for d in dimensions}
    for part, rows in zip(parts, (first.all(), second_rows), strict=True):
        for grouping, key, row in _groups(part, rows):
            aggregate = _aggregate_of(row, capabilities)
            if grouping == OVERALL:
                overall = aggregate
            elif grouping == PERIOD:
                by_period[key] = aggregate
            else:
                by_dimension[grouping][key] = aggregate
    for grouping, key, row in _groups(groupings[1:], service_rows):
        targets = ([overall, by_period.get(key)] if grouping == PERIOD
                   else [by_dimension[grouping].get(key)])
        for target in targets:
            if target is not None:
                service_aggregates.add_group(target.service, row.currency, row._mapping)
    return overall, by_period, by_dimension
