"""The customer page's products and the warranty policy page in a real browser (Debian's
Chromium driven by Playwright) on the backend as its own process (PostgreSQL): an agent finds
a customer by a phone number written another way, sees each product's warranty and safe-use
life, completes a purchase date, adds a product whose serial number someone else holds, keeps
it, removes one; a dispatcher reads without changing; an admin edits a policy (refused, then
saved) and others see the policies read only. Customer text is shown as text only."""

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

HOSTILE = '<img src=x onerror="window.pwned=1">王先生'
PHONE = "13800138000"


def customer(backend, phone: str, name: str = "李雷") -> str:
    """A customer of a new chat, with a ticket giving `phone`; their chat id."""
    chat_id = f"e2e-{uuid.uuid4().hex[:8]}"
    backend.ticket(chat_id, customer_overrides={"display_name": name}, phone=phone)
    return chat_id


def card(page, product_id: int):
    return page.locator(f"article.product[data-product-id='{product_id}']")


def test_an_agent_finds_a_customer_by_phone_and_keeps_their_products(backend, sign_in):
    chat = customer(backend, PHONE, name=HOSTILE)
    unknown = backend.product(chat, category="冷氣", brand="Gree", model="KFR-35GW",
                              serial="GR35-001", install_address="望京西路48号")
    old = backend.product(chat, category="电视", purchase_date=(
        TODAY - timedelta(days=365 * 11)).isoformat())  # past its 10-year safe-use life
    someone_else = customer(backend, "13900139000")
    theirs = backend.product(someone_else, category="冰箱", serial="HR-2024-7")

    page = sign_in(backend.account("agent"), "/console/customers", ready="#who")
    assert page.locator("header a", has_text="客户").count() == 1
    assert page.locator("header a", has_text="保修政策").count() == 0
    page.fill("#query", "+86 138-0013-8000")
    page.click("#search button[type=submit]")
    first = card(page, unknown["id"])
    expect(first).to_contain_text("保修未知")
    assert HOSTILE in page.locator("#fields").inner_text()  # shown as text
    assert page.evaluate("window.pwned") is None
    expect(page.locator("#error")).to_contain_text("Supervisors and admins only")
    assert page.locator("#customer").is_hidden()  # the personal data: officers only
    expect(card(page, old["id"]).locator(".safe-use.warn")).to_contain_text("已超过安全使用年限")

    # The purchase date completed: the warranty is counted from it.
    bought = TODAY - timedelta(days=400)
    first.locator("button.edit").click()
    expect(page.locator("#p-serial")).to_have_value("GR35001")
    page.fill("#p-purchase_date", bought.isoformat())
    page.click("#p-save")
    expect(first.locator(".badge.coverage")).to_contain_text("仅主要部件在保")
    expect(first).to_contain_text(f"主要部件（压缩机）保修至 {add_months(bought, 36)}")
    expect(first).to_contain_text(f"安全使用年限 10 年，至 {add_months(bought, 120)}")

    # Installed before it was bought: refused, said why, nothing added.
    page.click("#add-product")
    page.select_option("#p-category", "冰箱")
    page.fill("#p-purchase_date", "2024-05-02")
    page.fill("#p-installed_on", "2024-05-01")
    page.click("#p-save")
    expect(page.locator("#product-error")).to_contain_text("installed_on")
    # Someone else's serial number: added, flagged, kept.
    page.fill("#p-installed_on", "")
    page.fill("#p-serial", "hr 2024-7")
    page.click("#p-save")
    expect(page.locator("#product-result")).to_contain_text("已登记")
    flagged = page.locator("article.product.duplicate")
    expect(flagged.locator(".duplicate-banner")).to_contain_text(f"产品 #{theirs['id']}")
    page.screenshot(path=str(DOCS / "console-customer.png"), full_page=True)
    flagged.locator("button.keep").click()
    expect(page.locator("article.product.duplicate")).to_have_count(0)

    # Removed after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    card(page, old["id"]).locator("button.remove").click()
    expect(card(page, old["id"])).to_have_count(0)
    expect(page.locator("article.product")).to_have_count(2)
    products = backend.staff("GET", f"/api/v1/products/{unknown['id']}").json()
    assert (products["purchase_date"], products["install_address"]) == (bought.isoformat(),
                                                                       "望京西路48号")


def test_a_shared_number_lists_the_customers_and_a_dispatcher_only_reads(backend, sign_in):
    shared = "+852 6123 4567"
    first, second = customer(backend, shared, "陈太"), customer(backend, "61234567", "陈生")
    backend.product(first, category="洗衣机", serial="WM-1")
    page = sign_in(backend.account("dispatcher"), "/console/customers", ready="#who")
    page.fill("#query", "6123 4567")
    page.click("#search button[type=submit]")
    choices = page.locator("#match-list a")
    expect(choices).to_have_count(2)
    expect(choices.first).to_contain_text("陈太")
    choices.first.click()
    page.wait_for_url(re.compile(r"/console/customers\?id=\d+$"))
    expect(page.locator("article.product")).to_contain_text("WM1")
    assert page.locator("#add-product").is_hidden()
    assert page.locator("article.product button").count() == 0

    page.fill("#query", "139 9999 0000")
    page.click("#search button[type=submit]")
    expect(page.locator("#error")).to_contain_text("Not found")

    # From a ticket's archive to its customer's page.
    page.goto(f"{backend.url}/console/tickets/{backend.tickets[second]}")
    page.locator("#customer-page").click()
    page.wait_for_url(re.compile(r"/console/customers\?id=\d+$"))
    expect(page.locator("#fields")).to_contain_text("陈生")


def test_an_admin_edits_a_warranty_policy_and_others_only_read_it(backend, sign_in):
    page = sign_in(backend.account("admin"), "/console/tickets", ready="#who")
    page.locator("header a", has_text="保修政策").click()
    page.wait_for_url(re.compile(r"/console/policies\?region=mainland$"))
    row = page.locator("#policies tbody tr[data-category='冰箱']")
    expect(row.locator("[name=main_parts]")).to_have_value("压缩机")

    row.locator("[name=main_parts_months]").fill("6")
    row.locator("button.save").click()
    expect(row.locator(".row-message.error")).to_contain_text(
        "main_parts_months must not be shorter than whole_unit_months")
    row.locator("[name=main_parts_months]").fill("72")
    row.locator("[name=return_days]").fill("3")
    row.locator("button.save").click()
    expect(row.locator(".row-message.error")).to_contain_text("return_days at least 7")
    row.locator("[name=return_days]").fill("7")
    row.locator("[name=whole_unit_months]").fill("24")
    row.locator("[name=main_parts]").fill("压缩机、主板")
    row.locator("button.save").click()
    saved = page.locator("#policies tbody tr[data-category='冰箱']")
    expect(saved.locator(".row-message.ok")).to_contain_text("已保存")
    expect(saved.locator(".changed")).to_contain_text("staff:adm-")
    page.screenshot(path=str(DOCS / "console-policies.png"), full_page=True)
    [fridge] = [p for p in backend.staff("GET", "/api/v1/warranty-policies").json()
                if (p["category"], p["region"]) == ("冰箱", "mainland")]
    assert (fridge["whole_unit_months"], fridge["main_parts_months"], fridge["main_parts"]) == \
        (24, 72, ["压缩机", "主板"])

    page.select_option("#region", "hong_kong")
    page.wait_for_url(re.compile(r"\?region=hong_kong$"))
    expect(page.locator("#policies tbody tr[data-category='冰箱'] [name=return_days]")
           ).to_have_value("0")

    other = sign_in(backend.account("supervisor"), "/console/policies", ready="#who")
    expect(other.locator("#readonly")).to_be_visible()
    expect(other.locator("#policies tbody tr")).to_have_count(13)
    assert other.locator("#policies button.save").count() == 0
    assert other.locator("#policies input:not([disabled])").count() == 0
    assert other.locator("header a", has_text="保修政策").count() == 0
