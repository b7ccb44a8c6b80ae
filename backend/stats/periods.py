"""The periods of a report: each period's first day, its label, and the UTC bounds of a range
of local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.stats.enums import GroupBy


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

