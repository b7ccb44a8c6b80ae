"""The technician's completion page on a phone (Chromium driven by Playwright at 390×844, touch)
on the backend as its own process (PostgreSQL): from the ticket page's link, the technician
writes the diagnosis, picks the fault category, the labour item and a part from their stock,
and ticks the checklist; a checklist item left out is named and nothing is sent; a refusal of
the backend is shown; once complete the ticket has its service record (version 1, with the
technician's staff number) and the part came off the technician's stock."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DOCS
from tests.e2e.console_backend import backend, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres]

PHONE = {"width": 390, "height": 844}
SEAL = "RF-DOOR-SEAL"


@pytest.fixture
def phone(sign_in):
    """`phone(username, path)`: a console page signed in on a phone-sized, touch screen, once
    it is ready; a script error or CSP violation fails the test."""
    return lambda username, path: sign_in(username, path, viewport=PHONE, is_mobile=True,
                                          has_touch=True)


def ready_to_complete(backend) -> tuple[str, str]:
    """A fridge repair assigned to a technician (staff number T-0012) who holds two door
    seals, its quote (a minor repair and a seal) accepted by the customer: the technician's
    username and the ticket's number."""
    technician = backend.account("technician")
    assert backend.staff("PATCH", f"/api/v1/staff/{technician}",
                         json={"staff_number": "T-0012"}).status_code == 200
    number = backend.ticket("e2e-complete")
    for path, body in (("/api/v1/stock/receipts", {"part_number": SEAL, "outlet_id": 1,
                                                    "quantity": 2}),
                       ("/api/v1/stock/issues", {"part_number": SEAL, "outlet_id": 1,
                                                  "technician": technician, "quantity": 2}),
                       (f"/api/v1/tickets/{number}/assign", {"assignee": technician}),
                       (f"/api/v1/tickets/{number}/quotes", {
                           "items": [{"code": "RF-MINOR"}], "parts": [{"part_number": SEAL}]})):
        response = backend.staff("POST", path, json=body)
        assert response.status_code in (200, 201), response.text
    accepted = backend.service(
        "POST", f"/api/v1/customers/telegram/e2e-complete/tickets/{number}/quote/accept",
        json={"version": 1})
    assert accepted.status_code == 200, accepted.text
    return technician, number


def test_a_technician_completes_a_job_on_a_phone(backend, phone):
    technician, number = ready_to_complete(backend)

    page = phone(technician, f"/console/tickets/{number}")
    page.locator("#complete-link").click()
    page.wait_for_url(re.compile(rf"/console/tickets/{number}/complete$"))
    page.locator("body[data-ready]").wait_for()
    expect(page.locator("#title")).to_have_text(f"完工 {number}")

    page.fill("#diagnosis", "冷藏室门封条老化漏冷，已更换门封条并调整门铰链。")
    page.select_option("#fault", "RF-SEAL")
    page.locator("input[name=work][value=RF-MINOR]").check()
    page.click("#add-part")
    page.fill(".part-row .part-number", SEAL.lower())
    expect(page.locator(".part-row .held")).to_contain_text("持有 2")
    page.fill(".part-row .part-quantity", "3")
    page.check("#test_run")
    page.check("#usage_explained")

    page.click("#submit")  # the site not cleaned: named, nothing sent
    error = page.locator("#form-error")
    expect(error).to_contain_text("完工前请完成检查")
    expect(error).to_contain_text("已清理现场 Site cleaned")
    expect(page.locator("label.check.missing")).to_have_count(1)
    assert backend.staff("GET", f"/api/v1/tickets/{number}/record").status_code == 404

    page.check("#site_cleaned")
    page.click("#submit")  # three seals, two held (and one quoted): the backend refuses
    expect(error).to_contain_text("未能完工 Not completed (409)")
    assert backend.staff("GET", f"/api/v1/tickets/{number}/record").status_code == 404

    page.fill(".part-row .part-quantity", "1")
    page.locator(".part-row .part-quantity").dispatch_event("change")
    expect(error).to_be_empty()  # what was said about the last try goes once it changes
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(DOCS / "console-complete.png"), full_page=True)
    page.click("#submit")
    expect(page.locator("#done-text")).to_contain_text("服务记录 v1 已发给客户确认")
    expect(page.locator("#record-pdf")).to_have_attribute(
        "href", f"/api/v1/tickets/{number}/record.pdf")

    record = backend.staff("GET", f"/api/v1/tickets/{number}/record")
    assert record.status_code == 200, record.text
    content = record.json()["content"]
    assert (content["version"], content["fault_category"]["code"]) == (1, "RF-SEAL")
    assert content["technician"]["staff_number"] == "T-0012"
    assert content["checklist"] == {"test_run": True, "usage_explained": True,
                                    "site_cleaned": True}
    assert [w["code"] for w in content["work_items"]] == ["RF-MINOR"]
    assert [(p["part_number"], p["quantity"]) for p in content["parts"]] == [(SEAL, 1)]
    held = backend.staff("GET", "/api/v1/stock", params={"technician": technician,
                                                        "part": SEAL}).json()["items"]
    assert [b["quantity"] for b in held] == [1]
