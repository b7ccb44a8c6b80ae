"""The statistics page in a real browser (Debian's Chromium driven by Playwright): a supervisor
signs in on a backend (PostgreSQL) holding a generated service history (with its quotes,
payments, parts and records), the page draws its charts with Chart.js and shows the API's
numbers, the service section included, and a new date range changes them."""

from __future__ import annotations

import asyncio
import math
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from backend.kernel import crypto
from backend.kernel.config import DEV_STAFF_TOKEN
from tests.backend.conftest import ENCRYPTION_KEY
from tests.backend.stats.dataset import generate, load
from tests.backend.stats.service_dataset import add_service
from tests.e2e.conftest import DOCS
from tests.e2e.console_backend import backend_process
from tests.support.db import postgres_database

pytestmark = [pytest.mark.postgres]

PASSWORD = "stats-test-password"
ADMIN = {"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}
HOSTILE_OUTLET = '<img src=x onerror="window.pwned=1">浦东服务中心'
CANVASES = ("chart-tickets", "chart-rates", "chart-times", "chart-sla", "chart-service")


async def _load(database_url: str) -> None:
    crypto.configure(ENCRYPTION_KEY)  # the backend's key (below): the free text is encrypted
    data = generate(1500, seed=11)
    add_service(data, seed=11)
    data.outlets[0]["name"] = HOSTILE_OUTLET  # shown in the outlet breakdown: as text
    engine = create_async_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            await load(session, data)
    finally:
        await engine.dispose()


async def _sql(database_url: str, statement: str, *args) -> list:
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        return await connection.fetch(statement, *args)
    finally:
        await connection.close()


def sql(database_url: str, statement: str, *args) -> list:
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        return pool.submit(asyncio.run, _sql(database_url, statement, *args)).result()


@pytest.fixture(scope="module")
def backend():
    """The backend as its own process on a PostgreSQL database with 1,500 generated tickets
    (2025-09-01 to 2025-11-14), and a supervisor's console account."""
    with postgres_database() as database_url:
        with ThreadPoolExecutor(1) as pool:  # Playwright's sync API may hold this thread's loop
            pool.submit(asyncio.run, _load(database_url)).result()
        with backend_process(database_url) as url:
            username = f"sup-{uuid.uuid4().hex[:8]}"
            response = httpx.post(f"{url}/api/v1/staff", headers=ADMIN, json={
                "username": username, "display_name": "周主管", "role": "supervisor",
                "password": PASSWORD})
            assert response.status_code == 201, response.text
            yield url, username, database_url


@pytest.fixture
def page(backend, browser):
    """A signed-in statistics page; fails the test on any script error or CSP violation."""
    url, username, _ = backend
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.goto(f"{url}/console/stats?from=2025-09-01&to=2025-10-31&group_by=week")
    page.wait_for_url(re.compile(r"/console/login\?next="))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/stats\?"))
    yield page
    context.close()
    assert problems == []


def api(url: str, **params) -> dict:
    response = httpx.get(f"{url}/api/v1/stats", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def loaded(page, marker: str) -> None:
    page.wait_for_function("m => document.body.dataset.loaded === m", arg=marker)


def table(page) -> dict[str, list[str]]:
    """Breakdown rows: key -> the cells' raw values (data-value)."""
    return page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('#breakdown-table tbody tr[data-key]')].map(tr =>
            [tr.dataset.key,
             [...tr.querySelectorAll('td[data-value]')].map(td => td.dataset.value)]))""")


def expected_rows(report: dict, dimension: str) -> dict[str, list[str]]:
    def raw(value) -> str:
        return "" if value is None else (str(value) if not isinstance(value, float)
                                         else repr(value).removesuffix(".0"))
    rows = {}
    for row in report["breakdowns"][dimension]:
        sla = row["sla_compliance"]["resolution"]["rate"]
        rows["" if row["key"] is None else str(row["key"])] = [raw(v) for v in (
            row["tickets"], row["satisfaction_rate"], row["average_rating"],
            row["first_response_minutes"]["median"], row["resolution_minutes"]["median"], sla,
            row["complaint_rate"], row["repeat_repair_rate"], row["cancellation_rate"])]
    return rows


def service_shown(page) -> dict:
    """The service section: its figures' raw values, and each currency's row."""
    return page.evaluate("""() => ({
        fields: [...document.querySelectorAll('#service-fields dd')].map(dd => dd.dataset.value),
        money: Object.fromEntries([...document.querySelectorAll('#service-money tr[data-currency]')]
            .map(tr => [tr.dataset.currency,
                        [...tr.querySelectorAll('td')].map(td => td.dataset.value)])),
        rows: Object.fromEntries([...document.querySelectorAll('#service-table tbody tr[data-key]')]
            .map(tr => [tr.dataset.key,
                        [...tr.querySelectorAll('td[data-value]')].map(td => td.dataset.value)])),
    })""")


def expected_service(report: dict, dimension: str) -> dict:
    def raw(value) -> str:  # as JavaScript's String(): 1.0 is "1"
        return "" if value is None else (str(value) if not isinstance(value, float)
                                         else repr(value).removesuffix(".0"))

    s = report["overall"]["service"]
    r = s["resolved_by"]
    fields = [raw(v) for v in (
        s["jobs"], s["parts_used"], s["first_time_fix_rate"], s["quotes"]["acceptance_rate"],
        s["warranty"]["free_share"], s["warranty"]["charged_share"],
        s["warranty"]["mixed_share"], r["confirmed"], r["timeout"], r["override"],
        r["staff"])]
    money = {m["currency"]: [m["currency"], str(m["tickets"]),
                             *(m[f"{name}{kind}"] for name in ("revenue", "charge",
                                                               "warranty_cost", "parts_value")
                               for kind in ("", "_per_ticket"))] for m in s["money"]}
    rows = {}
    for row in report["breakdowns"][dimension]:
        v = row["service"]
        rows["" if row["key"] is None else str(row["key"])] = [raw(x) for x in (
            v["jobs"], " ".join(f"{m['currency']}:{m['revenue']}" for m in v["money"]),
            " ".join(f"{m['currency']}:{m['warranty_cost']}" for m in v["money"]),
            v["parts_used"], v["warranty"]["free_share"], v["quotes"]["acceptance_rate"],
            v["first_time_fix_rate"], v["resolved_by"]["timeout"],
            v["resolved_by"]["override"])]
    return {"fields": fields, "money": money, "rows": rows}


def charts(page) -> dict[str, list]:
    """Each canvas's Chart.js instance: its first data set (null if no chart was made)."""
    return page.evaluate("""ids => Object.fromEntries(ids.map(id => {
        const chart = Chart.getChart(document.getElementById(id));
        return [id, chart ? chart.data.datasets[0].data : null];
    }))""", list(CANVASES))


def test_the_page_charts_the_api_numbers_and_follows_the_date_range(backend, page):
    url, _, _ = backend
    loaded(page, "2025-09-01/2025-10-31/week/type")
    report = api(url, **{"from": "2025-09-01", "to": "2025-10-31", "group_by": "week",
                         "breakdown": "type"})
    assert report["overall"]["tickets"] > 500

    drawn = charts(page)
    assert drawn["chart-tickets"] == [p["tickets"] for p in report["trend"]]
    assert all(drawn[c] is not None and len(drawn[c]) == len(report["trend"]) for c in CANVASES)
    satisfaction = [p["satisfaction_rate"] for p in report["trend"]]
    assert drawn["chart-rates"] == [None if r is None else math.floor(r * 1000 + 0.5) / 10
                                    for r in satisfaction]  # percent, as Math.round
    assert page.locator("canvas").count() == 5
    assert table(page) == expected_rows(report, "type")
    overall = page.locator("#overall dd").first
    assert overall.text_content() == str(report["overall"]["tickets"])
    assert page.locator("#breakdown-table tbody tr[data-key=repair] td").first \
        .text_content() == "维修 repair"
    # The service section: the API's figures, money per currency (CNY, HKD, TWD apart).
    assert service_shown(page) == expected_service(report, "type")
    assert sorted(service_shown(page)["money"]) == ["CNY", "HKD", "TWD"]
    assert drawn["chart-service"] == [
        None if p["service"]["first_time_fix_rate"] is None
        else math.floor(p["service"]["first_time_fix_rate"] * 1000 + 0.5) / 10
        for p in report["trend"]]
    cny = page.locator("#service-money tr[data-currency=CNY] td").nth(2).text_content()
    assert cny.startswith("CNY ") and "," in cny  # grouped: CNY 12,345.00

    # A shorter range: other numbers, the same as the API's again, in the address and the CSV.
    page.fill("#f-from", "2025-10-01")
    page.fill("#f-to", "2025-10-15")
    page.select_option("#f-group_by", "day")
    page.click("#apply")
    loaded(page, "2025-10-01/2025-10-15/day/type")
    shorter = api(url, **{"from": "2025-10-01", "to": "2025-10-15", "group_by": "day",
                          "breakdown": "type"})
    assert 0 < shorter["overall"]["tickets"] < report["overall"]["tickets"]
    assert overall.text_content() == str(shorter["overall"]["tickets"])
    assert charts(page)["chart-tickets"] == [p["tickets"] for p in shorter["trend"]]
    assert len(charts(page)["chart-tickets"]) == 15
    assert table(page) == expected_rows(shorter, "type")
    assert "from=2025-10-01" in page.url and "to=2025-10-15" in page.url
    csv_href = page.locator("#csv").get_attribute("href")
    assert csv_href.startswith("/api/v1/stats.csv?") and "from=2025-10-01" in csv_href
    csv = page.request.get(f"{url}{csv_href}")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")

    # Another breakdown: the outlets, whose (hostile) name shows as text.
    page.select_option("#breakdown", "outlet")
    loaded(page, "2025-10-01/2025-10-15/day/outlet")
    by_outlet = api(url, **{"from": "2025-10-01", "to": "2025-10-15", "group_by": "day",
                            "breakdown": "outlet"})
    assert table(page) == expected_rows(by_outlet, "outlet")
    assert HOSTILE_OUTLET in page.locator("#breakdown-table").text_content()
    assert page.locator("#breakdown-table img").count() == 0
    assert page.evaluate("window.pwned") is None

    # By fault category: the service figures of each, labelled with the category's names.
    page.select_option("#breakdown", "fault_category")
    loaded(page, "2025-10-01/2025-10-15/day/fault_category")
    by_fault = api(url, **{"from": "2025-10-01", "to": "2025-10-15", "group_by": "day",
                           "breakdown": "fault_category"})
    assert service_shown(page) == expected_service(by_fault, "fault_category")
    assert "压缩机故障 Compressor fault (RF-COMP)" in page.locator("#service-table").text_content()

    page.select_option("#breakdown", "technician")
    loaded(page, "2025-10-01/2025-10-15/day/technician")
    page.screenshot(path=str(DOCS / "console-stats.png"), full_page=True)


def test_a_customer_unhappy_in_the_return_visit_shows_up_for_the_supervisor(backend, page):
    """Not solved, or rated 1-2: the follow-up list on the page gets the ticket by itself."""
    _, _, database_url = backend
    page.locator("#follow-ups").wait_for()
    [ticket] = sql(database_url, "SELECT t.id, t.number FROM tickets t JOIN surveys s "
                                 "ON s.ticket_id = t.id ORDER BY t.id LIMIT 1")
    assert page.locator(f"#follow-up-table tr[data-ticket='{ticket['number']}']").count() == 0
    # What backend/surveys/flows.py records for a rating of 1 (tests/backend/surveys).
    # Comments and notes are stored encrypted (the backend's key).
    sql(database_url, "UPDATE surveys SET rating = 1, comment = $2 WHERE ticket_id = $1",
        ticket["id"], crypto.encrypt(HOSTILE_OUTLET))
    sql(database_url, "INSERT INTO ticket_events (id, ticket_id, kind, actor, note, created_at) "
                      "SELECT max(id) + 1, $1, 'survey_low_rating', 'customer:telegram:1', "
                      "$2, now() FROM ticket_events", ticket["id"],
        crypto.encrypt("rating 1/5: follow up"))
    row = page.locator(f"#follow-up-table tr[data-ticket='{ticket['number']}']")
    row.wait_for(timeout=20_000)
    assert "差评 low rating" in row.text_content() and "1/5" in row.text_content()
    assert HOSTILE_OUTLET in row.text_content()  # the customer's comment, as text
    assert row.locator("img").count() == 0
    assert row.locator("a").get_attribute("href") == f"/console/tickets/{ticket['number']}"


def test_a_technician_is_told_the_statistics_are_not_for_them(backend, browser):
    url, _, _ = backend
    username = f"tech-{uuid.uuid4().hex[:8]}"
    assert httpx.post(f"{url}/api/v1/staff", headers=ADMIN, json={
        "username": username, "display_name": "李师傅", "role": "technician",
        "password": PASSWORD}).status_code == 201
    page = browser.new_page()
    page.goto(f"{url}/console/login?next=%2Fconsole%2Fstats")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/stats"))
    page.locator("#error").filter(has_text="不能查看统计").wait_for()
    assert page.locator("header a", has_text="统计").count() == 0
    page.close()
