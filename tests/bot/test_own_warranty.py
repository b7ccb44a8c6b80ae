""""Is my fridge still under warranty?" answered from the customer's own products (registered
through the bot's API here; the chat's registration form comes later), in the language they
wrote in, straight into the engine and through Telegram (the variations: the engine only); without a product of that kind, the
general policy as before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.products.warranty import add_months
from tests.bot.conftest import NOW

pytestmark = pytest.mark.rasa  # the Telegram variant

TODAY = NOW.date()


@pytest.mark.parametrize(("question", "says"), [
    ("我的空调还在保修期吗？", ["您于 {bought} 购买的格力空调（KFR-35GW）", "整机保修至 {whole}",
                          "压缩机保修至 {main}"]),
    ("我部冷氣仲有冇保養？", ["購買的格力冷氣（KFR-35GW）", "整機保固至 {whole}", "壓縮機保固至 {main}"]),
    ("is my aircon still under warranty?", ["Your Gree air conditioner (KFR-35GW) bought {bought}",
                                            "until {whole}", "the compressor until {main}"]),
])
async def test_the_customer_s_own_product_and_its_dates(chat, question, says) -> None:
    bought = TODAY - timedelta(days=40)
    chat.register_product(category="空调", brand="格力" if "?" not in question else "Gree",
                          model="KFR-35GW", purchase_date=bought.isoformat())
    await chat.say(question)
    dates = {"bought": bought.isoformat(), "whole": add_months(bought, 12).isoformat(),
             "main": add_months(bought, 36).isoformat()}
    for part in says:
        assert part.format(**dates) in chat.text, chat.text
    assert "menu:repair" in chat.buttons()  # a fault under warranty: the repair one tap away


async def test_past_the_whole_unit_the_main_parts_are_still_covered(engine_chat) -> None:
    bought = TODAY - timedelta(days=800)
    engine_chat.register_product(category="冰箱", purchase_date=bought.isoformat())
    await engine_chat.say("请问我的冰箱还在保修期内吗")
    assert f"整机保修已于 {add_months(bought, 12).isoformat()} 到期" in engine_chat.text
    assert f"压缩机仍在保修期内，至 {add_months(bought, 36).isoformat()}" in engine_chat.text


async def test_a_question_about_another_kind_gets_the_general_policy(engine_chat) -> None:
    engine_chat.register_product(category="冰箱", purchase_date=(TODAY - timedelta(days=40)).isoformat())
    await engine_chat.say("how long is the warranty on a washing machine?")
    assert "washing machine" in engine_chat.text.lower() and "Your" not in engine_chat.text


async def test_without_a_purchase_date_it_says_so_and_gives_the_policy(engine_chat) -> None:
    engine_chat.register_product(category="冰箱")
    await engine_chat.say("冰箱保修多久？")
    assert "还没有购买日期" in engine_chat.text and "整机保修 1 年" in engine_chat.text


async def test_in_the_first_days_the_return_and_exchange_rights_are_said(engine_chat) -> None:
    bought = TODAY - timedelta(days=3)
    engine_chat.register_product(category="洗衣机", purchase_date=bought.isoformat())
    await engine_chat.say("我的洗衣机还在保修期吗？")
    assert f"购买后 {(bought + timedelta(days=7)).isoformat()} 前出现性能故障，可以选择退货、换货或修理" \
        in engine_chat.text


@pytest.mark.parametrize(("question", "says", "not_says"), [
    ("海爾嗰部仲有冇保養？", "海爾雪櫃", "洗衣機"),  # Traditional, the brand stored in Simplified
    ("美的那台还在保修期吗", "美的洗衣机", "冰箱"),  # the brand stored in Latin letters
    ("is the Haier one still covered?", "Haier fridge", "washing machine"),
], ids=["zh-Hant", "zh-Hans", "en"])
async def test_the_brand_alone_names_which_of_two_products(engine_chat, question, says,
                                                          not_says) -> None:
    bought = (TODAY - timedelta(days=100)).isoformat()
    engine_chat.register_product(category="冰箱", brand="海尔", purchase_date=bought)
    engine_chat.register_product(category="洗衣机", brand="Midea", purchase_date=bought)
    await engine_chat.say(question)
    assert says in engine_chat.text, engine_chat.text
    assert not_says not in engine_chat.text, engine_chat.text


@pytest.mark.parametrize("question", [
    "我去年买的那个现在还在保修吗", "舊年買嗰部仲保唔保養？",
    "is the one I got last year still under warranty?"], ids=["zh-Hans", "zh-Hant", "en"])
async def test_the_year_it_was_bought_names_which_of_two_products(engine_chat,
                                                                  question) -> None:
    last_year = TODAY.replace(year=TODAY.year - 1, month=6, day=1).isoformat()
    long_ago = TODAY.replace(year=TODAY.year - 3, month=6, day=1).isoformat()
    engine_chat.register_product(category="热水器", brand="万和", purchase_date=last_year)
    engine_chat.register_product(category="冰箱", brand="海尔", purchase_date=long_ago)
    await engine_chat.say(question)
    assert last_year in engine_chat.text and long_ago not in engine_chat.text, engine_chat.text
