"""The fee-standard page in a real browser (Debian's Chromium driven by Playwright) on the
backend as its own process (PostgreSQL): an admin changes a labour item (refused without a
reason, refused for a negative price, then saved as a new version), sees it in the history,
opens the old version read only, and the bot's next fee answer has the new price; a
dispatcher reads the page without changing it. Names are shown as text only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DOCS
from tests.e2e.console_backend import backend, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres]

HOSTILE = '<img src=x onerror="window.pwned=1">冷氣加雪種'


def test_an_admin_changes_a_fee_and_the_bot_answers_with_it(backend, sign_in):
    page = sign_in(backend.account("admin"), "/console/tickets", ready="#who")
    page.locator("header a", has_text="收费标准").click()
    page.wait_for_url(re.compile(r"/console/fees\?region=mainland$"))
    row = page.locator("#items tbody tr[data-code='AC-GAS']")
    expect(row.locator("[name=price]")).to_have_value("150.00")

    row.locator("[name=price]").fill("180")
    row.locator("button.save").click()
    expect(row.locator(".row-message.error")).to_contain_text("reason is required")
    page.fill("#reason", "R32 冷媒涨价")
    row.locator("[name=price]").fill("-5")
    row.locator("button.save").click()
    expect(row.locator(".row-message.error")).to_contain_text("price")
    row.locator("[name=price]").fill("180")
    row.locator("[name=zh-Hant]").fill(HOSTILE)
    row.locator("button.save").click()
    expect(page.locator("#visit-message")).to_contain_text("version 2")
    saved = page.locator("#items tbody tr[data-code='AC-GAS']")
    expect(saved.locator("[name=price]")).to_have_value("180.00")
    expect(saved.locator("[name=zh-Hant]")).to_have_value(HOSTILE)
    assert page.evaluate("window.pwned") is None
    latest = page.locator("#history tbody tr[data-version='2']")
    expect(latest).to_contain_text("R32 冷媒涨价")
    expect(latest).to_contain_text("AC-GAS 150 → 180")
    page.screenshot(path=str(DOCS / "console-fees.png"))

    page.locator("#history tbody tr[data-version='1'] button.open").click()
    expect(page.locator("#past")).to_contain_text("v1")
    old = page.locator("#items tbody tr[data-code='AC-GAS']")
    expect(old.locator("[name=price]")).to_have_value("150.00")
    expect(old.locator("[name=price]")).to_be_disabled()

    answer = backend.service("GET", "/api/v1/knowledge/answer", params={
        "language": "zh-Hans", "topic": "fee", "product": "空调", "text": "空调加氟多少钱"})
    assert answer.status_code == 200, answer.text
    assert "空调加氟 180 元" in answer.json()["answer"]

    other = sign_in(backend.account("dispatcher"), "/console/fees?region=hong_kong",
                    ready="#items tbody tr[data-code='AC-GAS']")
    expect(other.locator("#readonly")).to_be_visible()
    expect(other.locator("#visit-fee")).to_have_value("250.00")
    assert other.locator("button.save").count() == 0
    expect(other.locator("#items tbody tr[data-code='AC-GAS'] [name=price]")).to_be_disabled()
