"""The ticket page's product in a real browser (Debian's Chromium driven by Playwright) on the
backend as its own process (PostgreSQL), no bot or Rasa: a repair of a customer's registered
fridge shows the product and the warranty it had the day the ticket was created; the
technician it is assigned to records the model and serial off the nameplate, and the product
and the service record have them; a kettle ticket's nameplate form shows the API's refusal;
an inquiry offers no nameplate form."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from backend.products.warranty import add_months
from tests.e2e.conftest import DOCS
from tests.e2e.console_backend import backend, sign_in  # noqa: F401 (fixtures)
from tests.support.clock import TODAY

pytestmark = [pytest.mark.postgres]





def chat() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def test_a_repair_shows_its_product_and_the_technician_records_the_nameplate(backend,
                                                                              sign_in):
    customer = chat()
    bought = TODAY - timedelta(days=100)
    fridge = backend.product(customer, category="冰箱", brand="海尔", model="BCD-216",
                             serial="hr-0001", purchase_date=bought.isoformat())
    number = backend.ticket(customer, product="雪櫃", product_id=fridge["id"])
    technician = backend.account("technician")
    assert backend.staff("POST", f"/api/v1/tickets/{number}/assign",
                         json={"assignee": technician}).status_code == 200

    # The desk sees the product, a link to its customer, and the warranty of that day.
    page = sign_in(backend.account("agent"), f"/console/tickets/{number}")
    fields = page.locator("#product-fields")
    expect(fields).to_contain_text("冰箱")
    expect(fields).to_contain_text("海尔")
    expect(page.locator("#product-model")).to_have_text("BCD-216")
    expect(page.locator("#product-serial")).to_have_text("HR0001")
    expect(page.locator("#product-customer")).to_have_attribute(
        "href", re.compile(r"^/console/customers\?id=\d+$"))
    warranty = page.locator("#product-warranty")
    expect(warranty.locator(".badge.coverage.whole_unit")).to_have_text("整机保修 whole_unit")
    expect(warranty).to_contain_text(f"整机保修至 {add_months(bought, 12)}")
    expect(warranty).to_contain_text(f"主要部件（压缩机）保修至 {add_months(bought, 36)}")
    expect(page.locator("#nameplate-form")).to_be_visible()

    # The technician on site reads the nameplate.
    page = sign_in(technician, f"/console/tickets/{number}")
    expect(page.locator("#product-serial")).to_have_text("HR0001")
    assert page.locator("#product-customer").count() == 0  # technicians find no customers
    expect(page.locator("#nameplate-serial")).to_have_attribute("placeholder", re.compile("HR0001"))
    page.fill("#nameplate-model", "BCD-470WDPG")
    page.fill("#nameplate-serial", "hr 2024 0077")
    page.click("#nameplate-form button[type=submit]")
    expect(page.locator("#nameplate-result.ok")).to_contain_text("已记录铭牌")
    expect(page.locator("#product-model")).to_have_text("BCD-470WDPG")
    expect(page.locator("#product-serial")).to_have_text("HR20240077")
    expect(page.locator("#nameplate-model")).to_have_value("")
    event = page.locator("#events tbody tr").filter(has_text="核对铭牌")
    expect(event).to_contain_text("model, serial")
    expect(event).to_contain_text(f"staff:{technician}")
    # The warranty stays what it was the day the ticket was created.
    expect(page.locator("#product-warranty")).to_contain_text(f"整机保修至 {add_months(bought, 12)}")
    page.screenshot(path=str(DOCS / "console-ticket-product.png"), full_page=True)

    product = backend.staff("GET", f"/api/v1/products/{fridge['id']}").json()
    assert (product["model"], product["serial"]) == ("BCD-470WDPG", "HR20240077")


def test_a_kettle_has_no_product_to_record_and_an_inquiry_no_nameplate(backend, sign_in):
    customer = chat()
    kettle = backend.ticket(customer, product="电水壶", description="不加热")
    page = sign_in(backend.account("dispatcher"), f"/console/tickets/{kettle}")
    expect(page.locator("#no-product")).to_contain_text("No registered product")
    assert page.locator("#product-warranty").count() == 0
    # Nothing typed: the API says what it needs.
    page.click("#nameplate-form button[type=submit]")
    expect(page.locator("#nameplate-result.error")).to_contain_text(
        "give the model, the serial number or both")
    page.fill("#nameplate-model", "K1")
    page.click("#nameplate-form button[type=submit]")
    expect(page.locator("#nameplate-result.error")).to_contain_text(
        "422): this ticket names no appliance that can be registered")
    expect(page.locator("#nameplate-model")).to_have_value("K1")  # kept, to correct
    assert backend.staff("GET", f"/api/v1/tickets/{kettle}").json()["product_id"] is None

    inquiry = backend.ticket(customer, type="inquiry", product="冰箱",
                             description="冰箱保修几年？")
    page.goto(f"{backend.url}/console/tickets/{inquiry}")
    page.locator("body[data-ready]").wait_for()
    expect(page.locator("#no-product")).to_be_visible()
    expect(page.locator("#nameplate-form")).to_be_hidden()
