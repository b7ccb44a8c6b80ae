"""The parts page and the ticket page's parts box in a real browser (Debian's Chromium driven
by Playwright) on the backend as its own process (PostgreSQL): a dispatcher sees the stock of
outlets and technicians, sets a threshold, records an issue that takes the outlet below it and
sees the low-stock alert and the highlighted row; the catalogue is searched; a supervisor
reads without the forms; a dispatcher who works at an outlet is shown, on the page already
open, the alert someone else's movement raises there, counted in the nav, and not another
outlet's; the ticket page lists a part fitted with its parts warranty."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DOCS
from tests.e2e.console_backend import backend, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres]

SEAL = "RF-DOOR-SEAL"
FILTER = "WP-FILTER-PP"  # (this file's other tests leave it alone)
CHAOYANG, HAIDIAN = 1, 2  # seeded by migration 0005
REFRESH_MS = 15_000  # the page refreshes its alerts every 10 s


def test_a_dispatcher_keeps_stock_and_sees_it_run_low(backend, sign_in):
    technician = backend.account("technician")
    assert backend.staff("POST", "/api/v1/stock/receipts", json={
        "part_number": SEAL, "outlet_id": 1, "quantity": 3}).status_code == 201

    page = sign_in(backend.account("dispatcher"), "/console/parts")
    assert page.locator("header a", has_text="配件").count() == 1
    row = page.locator(f"#stock tr[data-part='{SEAL}']")
    expect(row).to_have_count(1)
    row.locator("input").fill("3")
    row.locator("button").click()
    expect(page.locator(f"#stock tr[data-part='{SEAL}'] input")).to_have_value("3")

    page.select_option("#m-kind", "issues")
    page.fill("#m-part", SEAL.lower())
    page.select_option("#m-outlet", "1")
    page.fill("#m-technician", technician)
    page.click("#move-form button[type=submit]")
    expect(page.locator("#move-result")).to_contain_text("已记录")
    expect(page.locator("#alerts")).to_contain_text(f"{SEAL} 冰箱门封条 剩 2（预警线 3）")
    expect(page.locator("#stock tr.low")).to_have_count(1)
    expect(page.locator("#stock")).to_contain_text(f"技术人员 {technician}")

    page.fill("#c-q", "压缩机")
    expect(page.locator("#catalogue tbody tr")).to_have_count(2)
    expect(page.locator("#catalogue")).to_contain_text("¥1280.00 / HK$1450.00 / NT$5800.00")
    page.fill("#c-q", "")
    expect(page.locator("#catalogue tbody tr")).not_to_have_count(2)

    other = sign_in(backend.account("supervisor"), "/console/parts")
    expect(other.locator("#stock tbody tr")).not_to_have_count(0)
    assert other.locator("#move-form").is_hidden()
    assert other.locator("#stock input").count() == 0


def dispatcher_at(backend, outlet: int) -> str:
    """A dispatcher an admin gave `outlet`; their username."""
    username = backend.account("dispatcher")
    response = backend.staff("PATCH", f"/api/v1/staff/{username}", json={"outlet_id": outlet})
    assert response.status_code == 200, response.text
    return username


def run_low(backend, technician: str, outlet: int) -> None:
    """Someone else (an admin, through the API) takes the outlet's filters below the
    threshold: 2 received, threshold 2, 1 issued."""
    for method, path, body in (
            ("POST", "/api/v1/stock/receipts", {"quantity": 2}),
            ("PUT", "/api/v1/stock/thresholds", {"threshold": 2}),
            ("POST", "/api/v1/stock/issues", {"technician": technician})):
        response = backend.staff(method, path, json={"part_number": FILTER, "outlet_id": outlet,
                                                     **body})
        assert response.status_code in (200, 201), response.text


def test_a_dispatcher_is_shown_their_outlets_alerts_as_they_are_raised(backend, sign_in):
    technician = backend.account("technician")
    at_chaoyang, at_haidian = dispatcher_at(backend, CHAOYANG), dispatcher_at(backend, HAIDIAN)
    page = sign_in(at_chaoyang, "/console/parts")
    expect(page.locator("#alerts-title")).to_have_text("本网点库存预警 · 北京朝阳服务中心")
    expect(page.locator("#m-outlet")).to_have_value(str(CHAOYANG))
    assert FILTER not in page.locator("#alerts").inner_text()

    run_low(backend, technician, HAIDIAN)
    run_low(backend, technician, CHAOYANG)
    # On the page as it is (no reload): this outlet's, and only this outlet's.
    alerts = page.locator("#alerts li")
    expect(alerts.filter(has_text=FILTER)).to_contain_text(
        f"北京朝阳服务中心：{FILTER} 净水器PP棉滤芯 剩 1（预警线 2）", timeout=REFRESH_MS)
    expect(page.locator("#alerts")).not_to_contain_text("北京海淀")
    count = alerts.count()
    expect(page.locator("#alerts-count")).to_have_text(str(count))
    expect(page.locator("header a[href='/console/parts'] #nav-alerts")).to_have_text(str(count))
    # The stock with it (every outlet's, as filtered): both outlets' filters now low.
    expect(page.locator(f"#stock tr.low[data-part='{FILTER}']")).to_have_count(2)
    page.screenshot(path=str(DOCS / "console-parts.png"), full_page=True)

    other = sign_in(at_haidian, "/console/parts")
    expect(other.locator("#alerts-title")).to_have_text("本网点库存预警 · 北京海淀服务中心")
    expect(other.locator("#alerts li")).to_have_count(1)
    expect(other.locator("#alerts li")).to_contain_text(
        f"北京海淀服务中心：{FILTER} 净水器PP棉滤芯 剩 1（预警线 2）")
    expect(other.locator("#nav-alerts")).to_have_text("1")
    supervisor = sign_in(backend.account("supervisor"), "/console/parts")
    expect(supervisor.locator("#alerts-title")).to_have_text("库存预警")
    for place in ("北京朝阳服务中心", "北京海淀服务中心"):
        expect(supervisor.locator("#alerts li").filter(has_text=FILTER).filter(
            has_text=place)).to_have_count(1)


def test_the_ticket_page_lists_the_parts_fitted(backend, sign_in):
    technician = backend.account("technician")
    number = backend.ticket("e2e-parts")
    for path, body in (("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": 1}),
                       ("/api/v1/stock/issues", {"part_number": SEAL, "outlet_id": 1,
                                                 "technician": technician}),
                       (f"/api/v1/tickets/{number}/assign", {"assignee": technician}),
                       (f"/api/v1/tickets/{number}/parts", {"part_number": SEAL,
                                                             "technician": technician})):
        response = backend.staff("POST", path, json=body)
        assert response.status_code in (200, 201), response.text

    page = sign_in(backend.account("agent"), f"/console/tickets/{number}")
    card = page.locator("#parts-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text(SEAL)
    expect(card).to_contain_text("保修中 covered")
    expect(page.locator("#events")).to_contain_text("使用配件 part fitted")
