"""A product registered in the chat (the register_product form): asked one detail at a time,
each optional detail skippable, a summary to check, change or cancel; the product saved for
the customer with the warranty it has today in the reply. Straight into the engine and
through Telegram in the three languages (their variations: the engine only)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.products.warranty import add_months
from bot.catalogue import text as t
from tests.bot.conftest import NOW

pytestmark = pytest.mark.rasa  # the Telegram variant

TODAY = NOW.date()


async def test_a_product_registered_step_by_step_in_simplified_chinese(chat) -> None:
    await chat.say("我想登记一下家里的电器")
    assert "pick:product:空调" in chat.buttons()
    await chat.press("pick:product:空调")
    assert "skip:brand" in chat.buttons()
    await chat.say("格力")
    await chat.say("KFR-35GW/BP")
    await chat.press("skip:serial")
    bought = TODAY - timedelta(days=30)
    await chat.say(f"{bought.year}年{bought.month}月{bought.day}日")
    await chat.say("京东自营")
    assert "form:submit" in chat.buttons()
    assert "KFR-35GW/BP" in chat.text and bought.isoformat() in chat.text
    await chat.press("form:submit")
    assert "已为您登记" in chat.text
    assert f"整机保修至 {add_months(bought, 12).isoformat()}" in chat.text
    [product] = chat.products()
    assert (product["category"], product["brand"], product["model"], product["serial"],
            product["purchase_date"], product["purchased_from"]) == (
        "空调", "格力", "KFR-35GW/BP", None, bought.isoformat(), "京东自营")


async def test_an_english_registration_changed_at_the_summary(chat) -> None:
    await chat.say("I'd like to register my new washing machine")
    await chat.say("Bosch")
    await chat.say("WAX32M40")
    await chat.say("sn 4512 8870 22")
    await chat.say("yesterday")
    await chat.press("skip:purchased_from")
    assert (TODAY - timedelta(days=1)).isoformat() in chat.text
    await chat.press("form:change")
    await chat.press("edit:purchase_date")
    await chat.say("2025-03-15")
    await chat.press("form:submit")
    assert "Your product is registered" in chat.text
    [product] = chat.products()
    assert (product["category"], product["serial"], product["purchase_date"]) == (
        "洗衣机", "4512887022", "2025-03-15")


async def test_details_the_customer_does_not_know_are_left_out(chat) -> None:
    await chat.say("登記保固")
    await chat.press("pick:product:冰箱")
    await chat.say("唔記得")          # brand
    await chat.say("唔知")            # model
    await chat.say("唔知道")          # serial
    await chat.say("唔記得幾時買")     # purchase date
    await chat.say("唔記得")          # shop
    await chat.press("form:submit")
    assert "已為您登記" in chat.text and "還沒有購買日期" in chat.text
    [product] = chat.products()
    assert product["purchase_date"] is None and product["brand"] is None


async def test_what_is_not_a_model_or_a_date_is_asked_again(engine_chat) -> None:
    await engine_chat.say("register my fridge")
    await engine_chat.press("skip:brand")
    await engine_chat.say("the silver one")
    assert "couldn't read that model number" in engine_chat.text and "skip:model" in engine_chat.buttons()
    await engine_chat.press("skip:model")
    await engine_chat.press("skip:serial")
    await engine_chat.say("next month")
    assert "couldn't read the purchase date" in engine_chat.text


async def test_a_date_twice_not_understood_is_left_empty_not_guessed(engine_chat) -> None:
    await engine_chat.say("登記保固")
    await engine_chat.press("pick:product:冰箱")
    for slot in ("brand", "model", "serial"):
        await engine_chat.press(f"skip:{slot}")
    await engine_chat.say("2025年3月")  # a month, not the day on the invoice
    assert "看不懂購買日期" in engine_chat.text
    await engine_chat.say("2025年3月")
    assert "購買日期先留空" in engine_chat.text and "skip:purchased_from" in engine_chat.buttons()
    await engine_chat.press("skip:purchased_from")
    await engine_chat.press("form:submit")
    [product] = engine_chat.products()
    assert product["purchase_date"] is None


async def test_only_an_appliance_we_register_is_taken_as_the_product(engine_chat) -> None:
    await engine_chat.say("產品登錄")
    await engine_chat.say("我睇下先喔")  # "let me have a look": not an appliance
    assert "pick:product:冰箱" in engine_chat.buttons()
    await engine_chat.say("雪柜")
    assert "skip:brand" in engine_chat.buttons()


async def test_a_registration_cancelled_at_the_summary_saves_nothing(engine_chat) -> None:
    await engine_chat.say("帮我登记一台冰箱")
    for slot in ("brand", "model", "serial", "purchase_date", "purchased_from"):
        await engine_chat.press(f"skip:{slot}")
    await engine_chat.press("form:cancel")
    assert engine_chat.products() == []


async def test_details_in_the_first_message_are_not_asked_again(engine_chat) -> None:
    await engine_chat.say("帮我登记新买的海尔冰箱，型号BCD-470WDPG，序列号 DA1234567890，"
                   "2025年9月1日在国美买的")
    # So many details read as an answer as much as a request, yet the request besides them
    # is a registration: the form opens with every detail taken, straight to its summary.
    assert "guess:register_product" not in engine_chat.buttons()
    assert "form:submit" in engine_chat.buttons()
    await engine_chat.press("form:submit")
    [product] = engine_chat.products()
    assert (product["category"], product["brand"], product["model"], product["serial"],
            product["purchase_date"], product["purchased_from"]) == (
        "冰箱", "海尔", "BCD-470WDPG", "DA1234567890", "2025-09-01", "国美")


async def test_an_answer_that_is_no_brand_is_asked_again(engine_chat) -> None:
    await engine_chat.say("I want to register my new TV")
    await engine_chat.say("want to register it for the warranty")
    assert t("en", "invalid.brand") in engine_chat.text
    await engine_chat.say("TCL")
    assert t("en", "invalid.brand") not in engine_chat.text
