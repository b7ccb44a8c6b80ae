"""A product's registration with its details written as other people write them: numbers with
spaces, serial numbers under their many names, Taiwan's 民國 years, the shop it came from;
straight into the engine (tests/bot/test_registration.py has the form's main lines)."""

from __future__ import annotations

from datetime import timedelta

from bot.dialogue import formflow
from bot.dialogue.forms import FORMS
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation
from nlu.client import Parse
from tests.bot.conftest import NOW

TODAY = NOW.date()


def _saved(chat) -> tuple:
    [product] = chat.products()
    return tuple(product[name] for name in ("category", "brand", "model", "serial",
                                            "purchase_date", "purchased_from"))


async def test_a_taiwanese_registration_in_republic_years(engine_chat) -> None:
    await engine_chat.say("我要登錄保固")
    await engine_chat.press("pick:product:冰箱")
    await engine_chat.say("國際牌")
    await engine_chat.say("NR B481TV")                    # the model, with a space in it
    await engine_chat.say("製造編號：TW0099887766")
    await engine_chat.say("113/12/25")                    # 民國 113: 2024
    assert "skip:purchased_from" in engine_chat.buttons()
    await engine_chat.say("在燦坤買的")
    assert "2024-12-25" in engine_chat.text and "燦坤" in engine_chat.text
    await engine_chat.press("form:submit")
    assert _saved(engine_chat) == ("冰箱", "國際牌", "NR B481TV", "TW0099887766",
                                   "2024-12-25", "燦坤")


async def test_a_day_of_the_republic_after_today_is_asked_again(engine_chat) -> None:
    await engine_chat.say("登記保固")
    await engine_chat.press("pick:product:空调")
    for slot in ("brand", "model", "serial"):
        await engine_chat.press(f"skip:{slot}")
    await engine_chat.say("民國200年1月1日")                # 2111
    assert "skip:purchase_date" in engine_chat.buttons() and engine_chat.products() == []


async def test_a_serial_given_for_the_model_is_the_serial(engine_chat) -> None:
    await engine_chat.say("帮我登记一下洗衣机")
    await engine_chat.say("小天鹅")
    await engine_chat.say("机身码 LS2025 0912 QX01")       # asked for the model
    # Not the model: kept as the serial, and the serial is not asked.
    assert "skip:purchase_date" in engine_chat.buttons()
    bought = TODAY - timedelta(days=3)
    await engine_chat.say(f"{bought.isoformat()}，在京东买的")
    assert "form:submit" in engine_chat.buttons()
    await engine_chat.press("form:submit")
    assert _saved(engine_chat) == ("洗衣机", "小天鹅", None, "LS20250912QX01",
                                   bought.isoformat(), "京东")


async def test_an_english_registration_said_all_at_once(engine_chat) -> None:
    bought = TODAY - timedelta(days=12)
    await engine_chat.say("pls register my robot vacuum, Roborock S8 MaxV Ultra, serial # "
                          f"RR2025 X000123, bought at Best Buy on {bought.isoformat()}")
    # Every detail taken from the request: straight to the summary.
    assert "form:submit" in engine_chat.buttons()
    assert "S8 MaxV Ultra" in engine_chat.text and "Best Buy" in engine_chat.text
    await engine_chat.press("form:submit")
    assert _saved(engine_chat) == ("扫地机器人", "Roborock", "S8 MaxV Ultra", "RR2025X000123",
                                   bought.isoformat(), "Best Buy")


async def test_a_hong_kong_registration_said_all_at_once(engine_chat) -> None:
    await engine_chat.say("想登記部雪櫃，型號 SJ 436B00QC，機身號碼係 HK5511 0022，"
                          "15/8/2025喺豐澤買嘅")
    # So many details read as an answer as much as a request: registering is offered.
    await engine_chat.press("guess:register_product")
    assert "skip:brand" in engine_chat.buttons()         # the only detail not said
    await engine_chat.say("樂聲")
    await engine_chat.press("form:submit")
    assert _saved(engine_chat) == ("冰箱", "樂聲", "SJ 436B00QC", "HK55110022", "2025-08-15",
                                   "豐澤")


async def test_the_nlus_model_that_is_the_serial_is_not_the_model() -> None:
    """The model entity the NLU may find in "机身码 QX7781200456" is the serial's number; a
    Taiwanese request's 民國 day is read in its language."""
    svc = Services(nlu=None, backend=None, store=None, clock=lambda: NOW)  # type: ignore[arg-type]
    conv = Conversation(channel="test", chat_id="1", language="zh-Hant")
    text = "登記冰箱 機身碼 QX7781200456，113/12/25在全國電子買的"
    parse = Parse("register_product", 0.9, {"product": ["冰箱"], "model": ["QX7781200456"]})
    await formflow.start(svc, conv, FORMS["register_product"], parse, text)
    assert conv.form is not None
    assert "model" not in conv.form.slots
    assert (conv.form.slots["serial"], conv.form.slots["purchase_date"],
            conv.form.slots["purchased_from"]) == ("QX7781200456", "2024-12-25", "全國電子")
