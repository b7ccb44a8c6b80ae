"""The statistics API agrees with a plain computation on a generated service history (3,000
tickets with their events and surveys), on SQLite (aggregated in Python) and PostgreSQL
(aggregated in SQL)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from backend.kernel.database import utcnow
from backend.staff import service as staff_service
from backend.staff.enums import CredentialKind
from backend.staff.models import Staff
from backend.stats import service as stats_service
from backend.stats.enums import Dimension, GroupBy, MilestoneSource
from backend.stats.export import MONEY_ZH, NAMES_ZH
from backend.stats.schemas import StatsQuery
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.stats.dataset import Dataset, generate, load, move
from tests.backend.stats.expected import bucket, expected
from tests.backend.stats.service_dataset import add_service

TIMEZONE = "Asia/Shanghai"
# Rounding of the API: rates to 4 places, average rating to 2, minutes to 1.
TOLERANCE = {"rate": 0.5e-4 + 1e-9, "average_rating": 0.005 + 1e-9, "minutes": 0.05 + 1e-6}


@pytest.fixture(scope="module")
def data() -> Dataset:
    """3,000 tickets with their service (quotes, payments, parts, records)."""
    generated = generate(3000, seed=20261125)
    add_service(generated, seed=20261125)
    return generated


@pytest.fixture
async def loaded(app: FastAPI, data: Dataset) -> Dataset:
    async with app.state.sessionmaker() as session:
        await load(session, data)
        if session.get_bind().dialect.name == "postgresql":
            # As autovacuum would after a bulk load: without statistics PostgreSQL plans the
            # facts computed here and now (milestone_source) as nested loops.
            await session.execute(text("ANALYZE"))
            await session.commit()
    return data


def assert_indicators(actual: dict[str, Any], wanted: dict[str, Any], where: str) -> None:
    for name, value in wanted.items():
        got = actual[name]
        if name == "service":  # exact: counts, 4-place rates, money strings
            assert got == value, f"{where}: service"
        elif name == "sla_compliance":
            for milestone, compliance in value.items():
                assert_indicators(got[milestone], compliance, f"{where} sla {milestone}")
        elif isinstance(value, dict):  # durations
            assert got["count"] == value["count"], f"{where}: {name} count"
            for q in ("median", "p90"):
                if value[q] is None:
                    assert got[q] is None, f"{where}: {name} {q}"
                else:
                    assert got[q] == pytest.approx(value[q], abs=TOLERANCE["minutes"]), \
                        f"{where}: {name} {q}"
        elif isinstance(value, float):
            tolerance = TOLERANCE["average_rating" if name == "average_rating" else "rate"]
            assert got == pytest.approx(value, abs=tolerance), f"{where}: {name}"
        else:
            assert got == value, f"{where}: {name}"


def assert_report(report: dict[str, Any], want: dict[str, Any]) -> None:
    assert_indicators(report["overall"], want["overall"], "overall")
    assert report["overall"]["tickets"] > 0
    for period in report["trend"]:
        key = bucket(date.fromisoformat(period["start"]), report["group_by"])
        if key in want["trend"]:
            assert_indicators(period, want["trend"][key], f"period {period['period']}")
        else:
            assert period["tickets"] == 0, period["period"]
    assert sum(p["tickets"] for p in report["trend"]) == report["overall"]["tickets"]
    for dimension, groups in want["breakdowns"].items():
        rows = {row["key"]: row for row in report["breakdowns"][dimension]}
        assert set(rows) == set(groups), dimension
        for key, wanted in groups.items():
            assert_indicators(rows[key], wanted, f"{dimension}={key}")


QUERIES = [
    pytest.param({"from": "2025-09-01", "to": "2025-11-14", "group_by": "month"}, id="month"),
    pytest.param({"from": "2025-09-08", "to": "2025-10-19", "group_by": "week",
                  "type": "repair"}, id="week-repairs"),
    pytest.param({"from": "2025-10-01", "to": "2025-10-10", "group_by": "day",
                  "technician": "li.na"}, id="day-technician"),
    pytest.param({"from": "2025-09-15", "to": "2025-10-31", "group_by": "week",
                  "product": "空调", "outlet": "1001"}, id="product-outlet"),
]


@pytest.mark.parametrize("params", QUERIES)
async def test_indicators_agree_with_a_plain_computation(client, loaded, params) -> None:
    response = await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    report = response.json()
    filters = {k: (int(v) if k == "outlet" else v) for k, v in params.items()
               if k in ("type", "product", "outlet", "technician")}
    want = expected(loaded, start=date.fromisoformat(params["from"]),
                    end=date.fromisoformat(params["to"]), group_by=params["group_by"],
                    timezone=TIMEZONE, now=utcnow(), **filters)
    assert_report(report, want)
    assert (report["from"], report["to"], report["group_by"]) == (
        params["from"], params["to"], params["group_by"])
    assert report["filters"] == {**dict.fromkeys(("type", "product", "outlet", "technician")),
                                 **filters}
    assert report["unavailable"] == []


async def test_only_the_breakdowns_asked_for_are_computed(client, loaded) -> None:
    """What the console asks for: one breakdown, with the same figures as in the whole
    report."""
    params = {"from": "2025-09-08", "to": "2025-10-19", "group_by": "week"}
    whole = (await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)).json()
    for asked in (["outlet"], ["technician", "type", "technician"]):
        response = await client.get("/api/v1/stats", params={**params, "breakdown": asked},
                                    headers=STAFF_HEADERS)
        assert response.status_code == 200, response.text
        report = response.json()
        assert set(report["breakdowns"]) == set(asked)
        for dimension in asked:
            assert report["breakdowns"][dimension] == whole["breakdowns"][dimension]
        assert (report["overall"], report["trend"]) == (whole["overall"], whole["trend"])
    refused = await client.get("/api/v1/stats", params={**params, "breakdown": "colour"},
                               headers=STAFF_HEADERS)
    assert refused.status_code == 422


async def test_periods_cover_the_request_and_are_labelled(client, loaded) -> None:
    params = {"from": "2025-09-10", "to": "2025-11-03", "group_by": "month"}
    trend = (await client.get("/api/v1/stats", params=params,
                              headers=STAFF_HEADERS)).json()["trend"]
    assert [(p["period"], p["start"], p["end"]) for p in trend] == [
        ("2025-09", "2025-09-10", "2025-09-30"), ("2025-10", "2025-10-01", "2025-10-31"),
        ("2025-11", "2025-11-01", "2025-11-03")]
    params = {"from": "2025-09-10", "to": "2025-09-22", "group_by": "week"}
    trend = (await client.get("/api/v1/stats", params=params,
                              headers=STAFF_HEADERS)).json()["trend"]
    assert [(p["period"], p["start"], p["end"]) for p in trend] == [
        ("2025-W37", "2025-09-10", "2025-09-14"), ("2025-W38", "2025-09-15", "2025-09-21"),
        ("2025-W39", "2025-09-22", "2025-09-22")]


async def test_a_day_runs_from_local_midnight(client, app) -> None:
    """Tickets belong to the local (Asia/Shanghai) day of their creation."""
    data = generate(40, seed=3)
    move(data, data.tickets[0], datetime(2025, 9, 30, 15, 59, 59, tzinfo=UTC))  # 23:59:59
    move(data, data.tickets[1], datetime(2025, 9, 30, 16, 0, 0, tzinfo=UTC))  # 00:00, 1 Oct
    async with app.state.sessionmaker() as session:
        await load(session, data)
    params = {"from": "2025-09-30", "to": "2025-10-01", "group_by": "day"}
    report = (await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)).json()
    by_day = {p["period"]: p["tickets"] for p in report["trend"]}
    assert by_day["2025-09-30"] >= 1 and by_day["2025-10-01"] >= 1
    want = expected(data, start=date(2025, 9, 30), end=date(2025, 10, 1), group_by="day",
                    timezone=TIMEZONE, now=utcnow())
    assert_report(report, want)


async def test_milestones_from_events_agree_with_the_columns(app, loaded) -> None:
    """Without the SLA columns the times come from the service record: same figures."""
    query = StatsQuery(start=date(2025, 9, 1), end=date(2025, 11, 14), group_by=GroupBy.week)
    now = utcnow()
    async with app.state.sessionmaker() as session:
        columns = await stats_service.report(db_session=session, query=query,
                                             timezone=TIMEZONE, now=now,
                                             milestone_source=MilestoneSource.columns)
        events = await stats_service.report(db_session=session, query=query,
                                            timezone=TIMEZONE, now=now,
                                            milestone_source=MilestoneSource.events)
    assert events.model_dump() == columns.model_dump()


async def test_sla_leaves_out_what_is_not_yet_due(app, loaded) -> None:
    """Asked in the middle of the history, open tickets not yet due count neither way."""
    now = datetime(2025, 10, 5, 4, 0, tzinfo=UTC)
    query = StatsQuery(start=date(2025, 9, 20), end=date(2025, 10, 10), group_by=GroupBy.day)
    async with app.state.sessionmaker() as session:
        report = await stats_service.report(db_session=session, query=query,
                                            timezone=TIMEZONE, now=now)
    want = expected(loaded, start=query.start, end=query.end, group_by="day",
                    timezone=TIMEZONE, now=now)
    assert_report(report.model_dump(by_alias=True, mode="json"), want)
    sla = report.overall.sla_compliance
    total = sum(c.met + c.missed for c in sla.values())
    assert 0 < total < sum(c.met + c.missed for c in (await _sla_at(app, query, utcnow())))


async def _sla_at(app, query, now):
    async with app.state.sessionmaker() as session:
        report = await stats_service.report(db_session=session, query=query,
                                            timezone=TIMEZONE, now=now)
    return report.overall.sla_compliance.values()


async def test_csv_has_one_row_per_period_and_indicator(client, loaded) -> None:
    params = {"from": "2025-09-01", "to": "2025-10-31", "group_by": "month", "type": "repair"}
    report = (await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)).json()
    response = await client.get("/api/v1/stats.csv", params=params, headers=STAFF_HEADERS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["period", "start", "end", "indicator", "name_zh", "value", "base"]
    body = rows[1:]
    # Money: a total and a per-ticket row of each amount, per currency of the request.
    currencies = [m["currency"] for m in report["overall"]["service"]["money"]]
    assert currencies == ["CNY", "HKD", "TWD"]
    per_period = len(NAMES_ZH) + 2 * len(MONEY_ZH) * len(currencies)
    assert len(body) == 3 * per_period  # all, 2025-09, 2025-10
    assert [r[0] for r in body[::per_period]] == ["all", "2025-09", "2025-10"]
    assert set(NAMES_ZH.values()) < {r[4] for r in body}
    assert "收入合计（CNY）" in {r[4] for r in body}
    cells = {(r[0], r[3]): (r[5], r[6]) for r in body}
    overall, september = report["overall"], report["trend"][0]
    assert cells[("all", "tickets")] == (str(overall["tickets"]), str(overall["tickets"]))
    assert cells[("all", "satisfaction_rate")] == (str(overall["satisfaction_rate"]),
                                                   str(overall["ratings"]))
    assert cells[("2025-09", "resolution_p90_minutes")] == (
        str(september["resolution_minutes"]["p90"]),
        str(september["resolution_minutes"]["count"]))
    sla = september["sla_compliance"]["on_site"]
    assert cells[("2025-09", "sla_on_site_compliance")] == (str(sla["rate"]),
                                                            str(sla["met"] + sla["missed"]))
    assert cells[("all", "complaint_resolution_median_minutes")] == ("", "0")  # repairs only
    hkd = september["service"]["money"][1]
    assert cells[("2025-09", "revenue_per_ticket_HKD")] == (hkd["revenue_per_ticket"],
                                                            str(hkd["tickets"]))
    ftf = september["service"]
    assert cells[("2025-09", "first_time_fix_rate")] == (str(ftf["first_time_fix_rate"]),
                                                         str(ftf["resolved_repairs"]))


async def test_no_tickets_gives_empty_indicators(client) -> None:
    params = {"from": "2026-01-01", "to": "2026-01-03"}
    report = (await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)).json()
    overall = report["overall"]
    assert overall["tickets"] == 0 and overall["satisfaction_rate"] is None
    assert overall["first_response_minutes"] == {"median": None, "p90": None, "count": 0}
    assert overall["sla_compliance"]["resolution"] == {"rate": None, "met": 0, "missed": 0}
    assert [p["period"] for p in report["trend"]] == ["2026-01-01", "2026-01-02",
                                                      "2026-01-03"]
    assert report["group_by"] == "day"
    assert all(rows == [] for rows in report["breakdowns"].values())


async def test_default_range_is_the_last_30_days(client) -> None:
    report = (await client.get("/api/v1/stats", headers=STAFF_HEADERS)).json()
    start, end = date.fromisoformat(report["from"]), date.fromisoformat(report["to"])
    assert (end - start).days == 29 and len(report["trend"]) == 30


@pytest.mark.parametrize("params", [
    {"from": "2025-10-02", "to": "2025-10-01"},
    {"from": "2020-01-01", "to": "2025-01-01"},
    {"group_by": "year"},
    {"type": "repairs"},
    {"outlet": "0"},
    {"from": "yesterday"},
])
async def test_invalid_queries_are_refused(client, params) -> None:
    response = await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)
    assert response.status_code == 422, params


async def _headers_of_a(app: FastAPI, role: str) -> dict[str, str]:
    """Authorization headers of a new staff account of this role."""
    async with app.state.sessionmaker() as session:
        staff = Staff(username=f"someone-{role}", display_name=role, password_hash="-",
                      role=role, active=True)
        session.add(staff)
        await session.commit()
        sign_in = await staff_service.start_session(db_session=session, staff=staff,
                                                    kind=CredentialKind.api_token,
                                                    lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {sign_in.token}"}


async def test_who_may_see_the_statistics(app, client) -> None:
    technician = await _headers_of_a(app, "technician")
    for path in ("/api/v1/stats", "/api/v1/stats.csv"):
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=SERVICE_HEADERS)).status_code == 401
        assert (await client.get(path, headers=technician)).status_code == 403
    for role in ("agent", "dispatcher", "supervisor"):
        headers = await _headers_of_a(app, role)
        assert (await client.get("/api/v1/stats", headers=headers)).status_code == 200, role


async def test_without_the_optional_columns_the_report_says_what_is_missing(
        client, loaded, monkeypatch) -> None:
    """A database before the staff and SLA migrations: no outlet, technician or SLA figures,
    named in `unavailable`; the rest is the same."""
    bare = stats_service.Capabilities(dimensions=(Dimension.type, Dimension.product),
                                      milestone_columns=False, sla=False)
    monkeypatch.setattr(stats_service.Capabilities, "of_schema", classmethod(lambda cls: bare))
    params = {"from": "2025-09-08", "to": "2025-10-19", "group_by": "week"}
    report = (await client.get("/api/v1/stats", params=params, headers=STAFF_HEADERS)).json()
    assert report["unavailable"] == ["breakdown:outlet", "breakdown:technician",
                                     "breakdown:sla_policy", "breakdown:fault_category",
                                     "sla_compliance"]
    assert set(report["breakdowns"]) == {"type", "product"}
    assert report["overall"]["sla_compliance"] is None
    want = expected(loaded, start=date(2025, 9, 8), end=date(2025, 10, 19), group_by="week",
                    timezone=TIMEZONE, now=utcnow())
    for scope in [want["overall"], *want["trend"].values(),
                  *(row for groups in want["breakdowns"].values() for row in groups.values())]:
        del scope["sla_compliance"]
    want["breakdowns"] = {d: want["breakdowns"][d] for d in ("type", "product")}
    assert_report(report, want)
    for missing in ({"outlet": "1001"}, {"technician": "li.na"}):
        refused = await client.get("/api/v1/stats", params={**params, **missing},
                                   headers=STAFF_HEADERS)
        assert refused.status_code == 422
        assert "in this database" in refused.json()["detail"]
