"""The statistics as CSV: one row per period and indicator, the whole request first (period
"all"), UTF-8 with a byte order mark so that Excel shows the Chinese names correctly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from backend.stats.enums import SLA_MILESTONES
from backend.stats.schemas import Durations, Indicators, StatsReport

BOM = "\ufeff"
HEADER = ("period", "start", "end", "indicator", "name_zh", "value", "base")
# Each indicator's name in Chinese (GB/T 27922 wording where it has one).
NAMES_ZH = {
    "tickets": "工单数",
    "satisfaction_rate": "满意率",
    "average_rating": "平均评分",
    "survey_response_rate": "回访参与率",
    "first_response_median_minutes": "首次响应时间中位数（分钟）",
    "first_response_p90_minutes": "首次响应时间P90（分钟）",
    "on_site_median_minutes": "上门时间中位数（分钟）",
    "on_site_p90_minutes": "上门时间P90（分钟）",
    "resolution_median_minutes": "解决时间中位数（分钟）",
    "resolution_p90_minutes": "解决时间P90（分钟）",
    "complaint_rate": "投诉率",
    "complaint_resolution_median_minutes": "投诉处理时间中位数（分钟）",
    "complaint_resolution_p90_minutes": "投诉处理时间P90（分钟）",
    "repeat_repair_rate": "30天返修率",
    "cancellation_rate": "取消率",
    "sla_first_response_compliance": "首次响应时限达标率",
    "sla_on_site_compliance": "上门时限达标率",
    "sla_resolution_compliance": "解决时限达标率",
}


def _durations(name: str, value: Durations) -> Iterator[tuple[str, object, int | None]]:
    yield f"{name}_median_minutes", value.median, value.count
    yield f"{name}_p90_minutes", value.p90, value.count


def indicator_rows(i: Indicators) -> Iterator[tuple[str, object, int | None]]:
    """(indicator, value, base: the count it is computed over) of one period."""
    yield "tickets", i.tickets, i.tickets
    yield "satisfaction_rate", i.satisfaction_rate, i.ratings
    yield "average_rating", i.average_rating, i.ratings
    yield "survey_response_rate", i.survey_response_rate, i.surveys
    yield from _durations("first_response", i.first_response_minutes)
    yield from _durations("on_site", i.on_site_minutes)
    yield from _durations("resolution", i.resolution_minutes)
    yield "complaint_rate", i.complaint_rate, i.tickets
    yield from _durations("complaint_resolution", i.complaint_resolution_minutes)
    yield "repeat_repair_rate", i.repeat_repair_rate, i.repairs
    yield "cancellation_rate", i.cancellation_rate, i.tickets
    for milestone in SLA_MILESTONES:
        compliance = (i.sla_compliance or {}).get(milestone)
        yield (f"sla_{milestone}_compliance", compliance.rate if compliance else None,
               compliance.met + compliance.missed if compliance else None)


def to_csv(report: StatsReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    scopes = [("all", report.start, report.end, report.overall),
              *((p.period, p.start, p.end, p) for p in report.trend)]
    for period, start, end, indicators in scopes:
        for name, value, base in indicator_rows(indicators):
            writer.writerow((period, start.isoformat(), end.isoformat(), name, NAMES_ZH[name],
                             "" if value is None else value, "" if base is None else base))
    return BOM + buffer.getvalue()
