"""Statistics routes (staff, not technicians): the GB/T 27922 indicators as JSON, or as CSV.
Thin: the work is in the service."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BeforeValidator, Field

from backend.deps import SessionDep, SettingsDep, StaffUser, require_roles
from backend.kernel.database import utcnow
from backend.staff.enums import Role
from backend.stats import export
from backend.stats import service as stats_service
from backend.stats.enums import MAX_DAYS, Dimension, GroupBy
from backend.stats.schemas import StatsQuery, StatsReport
from backend.text import NoControl
from backend.tickets.enums import TicketType

router = APIRouter(prefix="/api/v1", tags=["statistics"])

# Everyone who manages the service; a technician's figures are their supervisor's business.
StatsReader = Annotated[StaffUser, require_roles(Role.agent, Role.dispatcher, Role.supervisor,
                                                 Role.admin)]
DEFAULT_DAYS = 30


def _blank_is_none(value: object) -> object:
    """`?type=` (an empty form field) means no filter."""
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD: pydantic would also read `?to=20261124` as seconds since 1970."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def stats_query(
    settings: SettingsDep,
    start: Annotated[IsoDate | None, Query(alias="from", description="first local day "
                                          "(default: 29 days before `to`)")] = None,
    end: Annotated[IsoDate | None, Query(alias="to", description="last local day, "
                                         "included (default: today)")] = None,
    group_by: GroupBy = GroupBy.day,
    type_: Annotated[TicketType | None, Blank, Query(alias="type")] = None,
    product: Annotated[Annotated[str, Field(max_length=100), NoControl] | None, Blank,
                       Query()] = None,
    outlet: Annotated[Annotated[int, Field(ge=1, le=2**31 - 1)] | None, Blank, Query()] = None,
    technician: Annotated[Annotated[str, Field(max_length=64), NoControl] | None, Blank,
                          Query(description="a staff username")] = None,
    breakdown: Annotated[list[Dimension] | None, Query(
        description="the breakdowns to compute, repeatable (default: all)")] = None,
) -> StatsQuery:
    today = utcnow().astimezone(ZoneInfo(settings.ticket_timezone)).date()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "`from` is after `to`")
    if (end - start).days >= MAX_DAYS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"at most {MAX_DAYS} days at once")
    return StatsQuery(start=start, end=end, group_by=group_by, type=type_, product=product,
                      outlet=outlet, technician=technician,
                      breakdowns=tuple(dict.fromkeys(breakdown)) if breakdown else None)


QueryDep = Annotated[StatsQuery, Depends(stats_query)]
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    422: {"description": "invalid filters, or a filter on something this database does not "
                         "record"}}


async def _report(request: Request, db_session, settings, query: StatsQuery) -> StatsReport:
    try:
        return await stats_service.report(db_session=db_session, query=query,
                                          timezone=settings.ticket_timezone, now=utcnow(),
                                          cache=request.app.state.stats_cache)
    except stats_service.StatsUnavailable as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.get("/stats", response_model=StatsReport, response_model_by_alias=True,
            responses=UNAVAILABLE)
async def statistics(request: Request, query: QueryDep, db_session: SessionDep,
                     settings: SettingsDep, _: StatsReader) -> StatsReport:
    """Service indicators (GB/T 27922) over the tickets created from `from` to `to`: overall,
    per period (`group_by`) and broken down by type, product, outlet, technician and SLA
    policy, fault category (or only the `breakdown`s asked for), with the service figures
    (money per currency, parts, warranty, quotes, first-time fix, resolutions). Definitions:
    docs/statistics.md."""
    return await _report(request, db_session, settings, query)


@router.get("/stats.csv", response_class=Response, responses={
    200: {"content": {"text/csv": {}}, "description": "one row per period and indicator"},
    **UNAVAILABLE})
async def statistics_csv(request: Request, query: QueryDep, db_session: SessionDep,
                         settings: SettingsDep, _: StatsReader) -> Response:
    """The same as CSV (UTF-8 with a byte order mark, for Excel): the whole request first
    (period `all`), then each period."""
    # Breakdowns are not in the CSV: none computed.
    report = await _report(request, db_session, settings,
                           query.model_copy(update={"breakdowns": ()}))
    filename = f"frontdesk-stats-{query.start}-{query.end}-{query.group_by}.csv"
    return Response(export.to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
