"""The parts page and the ticket page's parts box in a real browser (Debian's Chromium driven
by Playwright) on the backend as its own process (PostgreSQL): a dispatcher sees the stock of
outlets and technicians, sets a threshold, records an issue that takes the outlet below it and
sees the low-stock alert and the highlighted row; the catalogue is searched; a supervisor
reads without the forms; the ticket page lists a part fitted with its parts warranty."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DOCS
from tests.e2e.console_backend import backend, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres]

SEAL = "RF-DOOR-SEAL"


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
    page.screenshot(path=str(DOCS / "console-parts.png"), full_page=True)

    other = sign_in(backend.account("supervisor"), "/console/parts")
    expect(other.locator("#stock tbody tr")).not_to_have_count(0)
    assert other.locator("#move-form").is_hidden()
    assert other.locator("#stock input").count() == 0


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
