"""A repair or installation of a product the customer registered: their products offered as
buttons for "which appliance?", the only one of the kind named linked and shown in the summary,
the ticket linked in the backend and the repair's warranty of that day in the reply. Straight
into the engine and through Telegram (the variations: the engine only)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.products.warranty import add_months
from tests.bot.conftest import NOW

pytestmark = pytest.mark.rasa  # the Telegram variant

TODAY = NOW.date()


async def finish_repair(chat) -> None:
    await chat.press("skip:error_code")
    await chat.say("北京市朝阳区建国路88号3单元501")
    await chat.say("13812345678")
    await chat.say("明天下午")


async def test_a_repair_of_the_only_fridge_registered_is_linked_with_its_warranty(chat) -> None:
    bought = TODAY - timedelta(days=100)
    fridge = chat.register_product(category="冰箱", brand="海尔", model="BCD-470",
                                   purchase_date=bought.isoformat())
    await chat.say("我家冰箱不制冷了,麻烦派个师傅来看看")
    await finish_repair(chat)
    assert "已登记的产品：海尔冰箱（BCD-470）" in chat.text
    await chat.press("form:submit")
    assert "RS-" in chat.text
    assert f"整机保修至 {add_months(bought, 12).isoformat()}" in chat.text
    [ticket] = chat.tickets()
    assert ticket["product_id"] == fridge["id"]
    assert ticket["warranty"]["coverage"] == "whole_unit"


async def test_the_customer_picks_one_of_their_products(engine_chat) -> None:
    engine_chat.register_product(category="冰箱", brand="Haier")
    aircon = engine_chat.register_product(category="空调", brand="Gree", model="KFR-35GW")
    await engine_chat.say("I need a repair")
    assert f"own:{aircon['id']}" in engine_chat.buttons()
    await engine_chat.press(f"own:{aircon['id']}")
    await engine_chat.say("it is leaking water from the indoor unit")
    await engine_chat.press("skip:error_code")
    await engine_chat.say("Flat 5, 21 Wulumuqi Road, Jing'an District, Shanghai")
    await engine_chat.say("13622223333")
    await engine_chat.say("tomorrow morning")
    assert "Your registered product: Gree air conditioner (KFR-35GW)" in engine_chat.text
    await engine_chat.press("form:submit")
    [ticket] = engine_chat.tickets()
    assert (ticket["product"], ticket["product_id"]) == ("空调", aircon["id"])
    # No purchase date: the ticket keeps "unknown", and the reply promises no dates.
    assert ticket["warranty"]["coverage"] == "unknown" and "until" not in engine_chat.text


async def test_two_of_the_kind_named_are_not_guessed_between(engine_chat) -> None:
    engine_chat.register_product(category="冰箱", brand="海尔")
    engine_chat.register_product(category="冰箱", brand="美的")
    await engine_chat.say("我家冰箱不制冷了,麻烦派个师傅来看看")
    await finish_repair(engine_chat)
    assert "已登记的产品" not in engine_chat.text
    await engine_chat.press("form:submit")
    [ticket] = engine_chat.tickets()
    assert ticket["product_id"] is None and ticket["warranty"] is None


async def test_changing_the_appliance_at_the_summary_drops_the_link(engine_chat) -> None:
    engine_chat.register_product(category="冰箱", brand="海尔")
    await engine_chat.say("我家冰箱不制冷了,麻烦派个师傅来看看")
    await finish_repair(engine_chat)
    assert "已登记的产品" in engine_chat.text
    await engine_chat.press("form:change")
    await engine_chat.press("edit:product")
    await engine_chat.press("pick:product:洗衣机")
    assert "已登记的产品" not in engine_chat.text and "洗衣机" in engine_chat.text
    await engine_chat.press("form:submit")
    [ticket] = engine_chat.tickets()
    assert ticket["product_id"] is None


async def test_an_installation_of_a_registered_product_is_linked(engine_chat) -> None:
    aircon = engine_chat.register_product(category="空调", brand="大金")
    await engine_chat.say("我想預約安裝冷氣")
    await engine_chat.press("pick:delivered:yes")
    await engine_chat.say("香港九龍灣宏照道38號企業廣場5期20樓")
    await engine_chat.say("+852 9123 4567")
    await engine_chat.say("星期六上午")
    assert "已登記的產品：大金冷氣" in engine_chat.text
    await engine_chat.press("form:submit")
    [ticket] = engine_chat.tickets()
    assert ticket["product_id"] == aircon["id"] and ticket["warranty"] is None
