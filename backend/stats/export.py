"""The statistics as CSV: one row per period and indicator, the whole request first (period
"all"), UTF-8 with a byte order mark so that Excel shows the Chinese names correctly. Money in
major units ("1190.00"), one row per currency the request has (never added across them)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

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
    "parts_used": "配件用量（件）",
    "warranty_free_share": "保内免费占比",
    "warranty_charged_share": "保外收费占比",
    "warranty_mixed_share": "部分保内占比",
    "quote_acceptance_rate": "报价接受率",
    "first_time_fix_rate": "一次修复率",
    "resolved_by_confirmed": "客户确认解决数",
    "resolved_by_timeout": "超时自动解决数",
    "resolved_by_override": "人工强制解决数",
    "resolved_by_staff": "工作人员解决数",
}
# Per currency: `{amount}_total_{CNY}`, `{amount}_per_ticket_{CNY}`.
MONEY_ZH = {"revenue": "收入", "charge": "约定收费", "warranty_cost": "保修成本",
            "parts_value": "配件金额"}


def _durations(name: str, value: Durations) -> Iterator[tuple[str, object, int | None]]:
    yield f"{name}_median_minutes", value.median, value.count
    yield f"{name}_p90_minutes", value.p90, value.count


def name_zh(indicator: str) -> str:
    if indicator in NAMES_ZH:
        return NAMES_ZH[indicator]
    amount, _, currency = indicator.rpartition("_")
    for kind, words in (("_total", "合计"), ("_per_ticket", "每单")):
        if amount.endswith(kind):
            return f"{MONEY_ZH[amount.removesuffix(kind)]}{words}（{currency}）"
    raise KeyError(indicator)


def _service(i: Indicators,
             currencies: list[str]) -> Iterator[tuple[str, object, int | None]]:
    service = i.service
    money = {m.currency: m for m in service.money}
    for currency in currencies:
        m = money.get(currency)
        for amount in MONEY_ZH:
            for kind in ("total", "per_ticket"):
                value = (getattr(m, amount if kind == "total" else f"{amount}_per_ticket")
                         if m else None)
                yield f"{amount}_{kind}_{currency}", value, m.tickets if m else 0
    yield "parts_used", service.parts_used, service.jobs
    warranty = service.warranty
    for name in ("free", "charged", "mixed"):
        yield f"warranty_{name}_share", getattr(warranty, f"{name}_share"), warranty.classified
    quotes = service.quotes
    yield "quote_acceptance_rate", quotes.acceptance_rate, quotes.accepted + quotes.declined
    yield "first_time_fix_rate", service.first_time_fix_rate, service.resolved_repairs
    resolved = service.resolved_by.model_dump()
    for how, count in resolved.items():
        yield f"resolved_by_{how}", count, sum(resolved.values())


def indicator_rows(i: Indicators,
                   currencies: Sequence[str] = ()) -> Iterator[tuple[str, object, int | None]]:
    """(indicator, value, base: the count it is computed over) of one period; money in each
    of `currencies`."""
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
    yield from _service(i, list(currencies))


def to_csv(report: StatsReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    scopes = [("all", report.start, report.end, report.overall),
              *((p.period, p.start, p.end, p) for p in report.trend)]
    currencies = [m.currency for m in report.overall.service.money]
    for period, start, end, indicators in scopes:
        for name, value, base in indicator_rows(indicators, currencies):
            writer.writerow((period, start.isoformat(), end.isoformat(), name, name_zh(name),
                             "" if value is None else value, "" if base is None else base))
    return BOM + buffer.getvalue()
