"""Conversations as strangers write them, on the real Rasa model and backend: what the customer
already said is used, answers that are no answers are asked again, a photo said to be attached
that never came is named, a short answer in another language keeps the form's language, a guess
never triggers something the customer cannot undo, a bare ticket number shows that ticket,
a time change in the customer's own words reaches the dispatcher, and a question about an error
code is answered before a repair is offered."""

from __future__ import annotations

import httpx
import pytest

from backend.kernel.config import DEV_STAFF_TOKEN
from bot.catalogue import text as t
from bot.dialogue.buttons import SUBMIT
from bot.dialogue.understanding import GUESS, GUESS_NONE
from bot.dialogue.when import parse_when
from tests.bot.conftest import NOW
from tests.support import clock
from tests.support.chats import EngineChat


@pytest.fixture
def chat(engine, backend_url) -> EngineChat:
    """A new customer's chat straight into the engine (the Telegram path is the same engine)."""
    return EngineChat(engine, backend_url, NOW)


async def test_everything_in_the_first_message_fills_the_form(chat) -> None:
    await chat.say("洗衣机不脱水了,我住上海市浦东新区张杨路500号,电话13900001111,周五下午在家")
    # Product, fault, address, phone and time came with it: only the optional code is asked.
    assert "故障代码" in chat.text
    await chat.press("skip:error_code")
    assert "上海市浦东新区张杨路500号" in chat.text and "13900001111" in chat.text
    await chat.press(SUBMIT)
    [ticket] = chat.tickets()
    assert ticket["address"] == "上海市浦东新区张杨路500号"
    assert (ticket["product"], ticket["phone"]) == ("洗衣机", "13900001111")
    assert ticket["preferred_time"] == str(parse_when("周五下午", now=chat.now))


async def test_an_english_first_message_with_a_hong_kong_address(chat) -> None:
    await chat.say("My fridge stopped cooling. I live at Flat 12B, 15/F, Tower 2, Taikoo Shing, "
                   "Hong Kong, phone 9123 4567, tomorrow afternoon is fine")
    await chat.press("skip:error_code")
    assert "Flat 12B, 15/F, Tower 2, Taikoo Shing, Hong Kong" in chat.text
    assert "91234567" in chat.text.replace(" ", "")
    await chat.press(SUBMIT)
    [ticket] = chat.tickets()
    assert ticket["address"].startswith("Flat 12B") and ticket["product"] == "冰箱"


@pytest.mark.parametrize("non_answer", ["不知道", "see photo", "随便", "冰箱", "👍"])
async def test_an_address_that_is_no_address_is_asked_again(chat, non_answer) -> None:
    await chat.say("冰箱不制冷了,麻烦派个师傅")
    await chat.press("skip:error_code")
    assert "地址" in chat.text
    await chat.say(non_answer)
    assert "地址" in chat.text and t("zh-Hans", "form.repair.ask.phone") not in chat.text
    await chat.say("北京市朝阳区建国路88号3单元501")
    assert t("zh-Hans", "form.repair.ask.phone") in chat.text


async def test_a_fault_described_as_i_dont_know_is_asked_again(chat) -> None:
    await chat.say("我要报修")
    await chat.press("pick:product:热水器")
    await chat.say("不知道")
    assert t("zh-Hans", "invalid.non_answer") in chat.text
    await chat.say("不出热水")
    assert "故障代码" in chat.text


async def test_a_photo_said_to_be_attached_that_never_came_is_named(chat) -> None:
    await chat.say("我要报修")
    await chat.press("pick:product:洗衣机")
    await chat.say("见照片,照片已经发给你了")
    assert t("zh-Hans", "attachment.none_received") in chat.text
    assert t("zh-Hans", "form.repair.ask.error_code") not in chat.text  # still the fault
    await chat.photo()
    await chat.say("看照片")
    # Now it came: the photo stands for the description.
    assert t("zh-Hans", "attachment.none_received") not in chat.text
    assert "故障代码" in chat.text


async def test_a_photo_whose_caption_asks_for_a_repair_goes_with_the_repair(chat) -> None:
    await chat.photo("冰箱不制冷了,麻烦派个师傅来")
    assert chat.text.startswith(t("zh-Hans", "form.repair.intro"))
    assert t("zh-Hans", "attachment.unsupported") not in chat.text
    conversation = await chat.engine.store.load(chat.channel, chat.chat_id)
    assert [a["file_id"] for a in conversation.form.attachments] == ["file-1"]


async def test_a_short_answer_in_another_language_keeps_the_forms_language(chat) -> None:
    await chat.say("冰箱不制冷了,麻烦派个师傅来")
    await chat.press("skip:error_code")
    await chat.say("Room 5, 88 Queen's Road Central, Hong Kong")
    assert t("zh-Hans", "form.repair.ask.phone") in chat.text
    await chat.say("ok")
    assert t("zh-Hans", "invalid.non_answer") in chat.text or t("zh-Hans", "invalid.phone") in chat.text
    await chat.say("13912345678")
    assert t("zh-Hans", "form.repair.ask.when") in chat.text


async def test_a_misspelt_repair_is_never_read_as_a_personal_data_request(chat) -> None:
    chat.open_ticket()  # there is personal data to show
    await chat.say("my dishwsher dosnt drain, can u send someone")
    assert "13800000000" not in chat.text and "王府井" not in chat.text
    if any(b.startswith(GUESS) for b in chat.buttons()):
        assert f"{GUESS}data_export" not in chat.buttons()[:1]
        await chat.press(f"{GUESS}repair_request")
    assert t("en", "form.repair.intro") in chat.text


async def test_an_unclear_request_to_see_personal_data_is_asked_back(chat) -> None:
    """Deciding on the guess itself: the request parsed below the bar for personal data."""
    from bot.dialogue import understanding
    from nlu.client import Parse

    unsure = Parse("data_export", 0.6, {}, (("data_export", 0.6), ("inquiry", 0.3)))
    assert understanding.needs_asking(unsure)
    clear = Parse("data_export", 0.97, {}, (("data_export", 0.97), ("inquiry", 0.02)))
    assert not understanding.needs_asking(clear)
    chat.open_ticket()
    await chat.say("what data do you have about me")  # clear: shown
    assert "13800000000" in chat.text


async def test_did_you_mean_acts_on_the_choice_or_on_nothing(chat) -> None:
    from bot.dialogue import understanding
    from nlu.client import Parse

    conv = await chat.engine.store.load(chat.channel, chat.chat_id)
    reply = understanding.ask(conv, Parse("expedite", 0.35, {}, (
        ("expedite", 0.35), ("repair_request", 0.25))), "my dishwasher doesnt drain")
    assert [b.data for row in reply.buttons for b in row] == [
        f"{GUESS}expedite", f"{GUESS}repair_request", GUESS_NONE]
    assert understanding.chosen(conv, f"{GUESS}repair_request") == (
        "repair_request", "my dishwasher doesnt drain")
    assert understanding.chosen(conv, f"{GUESS}repair_request") is None  # asked once


@pytest.mark.parametrize("spelling", ["{n}", "{compact}", "查一下 {spaced}"])
async def test_a_bare_ticket_number_in_any_spelling_shows_that_ticket(chat, spelling) -> None:
    number = chat.open_ticket()
    compact = number.replace("-", "").lower()
    spaced = number.replace("-", " ")
    await chat.say(spelling.format(n=number, compact=compact, spaced=spaced))
    assert number in chat.text and t("zh-Hans", "status_name.new") in chat.text


async def test_a_complaint_naming_a_ticket_is_a_complaint_about_it(chat) -> None:
    number = chat.open_ticket()
    await chat.say(f"the engineer never came, ticket {number}, this is unacceptable")
    assert t("en", "form.complaint.intro") in chat.text
    [original] = chat.tickets()
    assert original["status"] == "new"


async def test_the_visit_moved_in_the_customers_own_words(chat) -> None:
    number = chat.open_ticket()
    saturday = clock.day(4).isoformat() if chat.now.date() == clock.TODAY else None
    day = saturday or parse_when("周六", now=chat.now).date.isoformat()
    scheduled = httpx.post(f"{chat.backend_url}/api/v1/tickets/{number}/schedule", timeout=10,
                           json={"date": day, "window": "morning", "note": None},
                           headers={"Authorization": f"Bearer {DEV_STAFF_TOKEN}"})
    assert scheduled.status_code == 200, scheduled.text
    await chat.say("师傅明天能不能改成下午来")
    wanted = str(parse_when("明天下午", now=chat.now))
    [ticket] = chat.tickets()
    assert ticket["appointment_request"] == wanted
    assert number in chat.text


async def test_a_question_about_an_error_code_is_answered_before_a_repair(chat) -> None:
    await chat.say("洗衣机显示E4是什么意思")
    assert "E4" in chat.text and "menu:repair" in chat.buttons()
    assert chat.tickets() == []


@pytest.mark.parametrize(("text", "product"), [
    ("my fridg is makin a clickin noise, plz snd sumone", "冰箱"),
    ("washng machine wont spinn, need a tecnician", "洗衣机"),
    ("洗碗幾不排水,可以派技師來看一下嗎", "洗碗机"),
])
async def test_a_misspelt_appliance_is_still_recognised(chat, text, product) -> None:
    from bot.dialogue.product_names import guess_product

    assert guess_product(text) == product
    await chat.say(text)
    conv = await chat.engine.store.load(chat.channel, chat.chat_id)
    if conv.form is not None:  # a repair form: the product is not asked
        assert conv.form.slots.get("product") == product


def test_a_spelling_two_appliances_are_equally_close_to_is_not_guessed() -> None:
    from bot.dialogue.product_names import guess_product

    assert guess_product("洗好机不排水了") is None  # 洗碗机 or 洗衣机: asked, not guessed
    assert guess_product("右边的还正常") is None


def test_a_character_typed_for_one_of_the_same_sound_names_its_appliance() -> None:
    from bot.dialogue.product_names import guess_product

    # A pinyin keyboard's slip: 晚 sounds as 碗 (wǎn), 依 as 衣 (yī), 相 as 箱 (xiāng).
    assert guess_product("洗晚机不排水了") == "洗碗机"
    assert guess_product("我想注册下我家的洗依机，美的的") == "洗衣机"
    assert guess_product("电冰相不制冷") == "冰箱"
