"""Customer conversations on the real Rasa model and backend, each run straight into the
engine and through Telegram into the bot process."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.catalogue import text as t
from bot.dialogue.buttons import CANCEL, CHANGE, SUBMIT
from bot.dialogue.when import parse_when

pytestmark = pytest.mark.rasa


def when_label(chat, words: str, lang: str) -> str:
    """How the summary shows the appointment `words` mean at the chat's clock."""
    appointment = parse_when(words, now=chat.now)
    return f"{appointment.date.isoformat()} {t(lang, f'window.{appointment.window}')}"


async def test_repair_in_simplified_chinese_from_first_message_to_ticket(chat):
    await chat.say("我家冰箱不制冷了,麻烦派个师傅来看看")
    # Product and fault came with the first message: the next question is the error code.
    assert "故障代码" in chat.text
    await chat.press("skip:error_code")
    assert "地址" in chat.text
    await chat.say("北京市朝阳区建国路88号3单元501")
    assert "电话" in chat.text
    await chat.say("13812345678")
    assert "上门" in chat.text
    await chat.say("明天下午")
    summary = chat.text
    assert "冰箱" in summary and "13812345678" in summary
    assert when_label(chat, "明天下午", "zh-Hans") in summary
    await chat.press(SUBMIT)
    assert "RS-" in chat.text

    [ticket] = chat.tickets()
    assert ticket["type"] == "repair" and ticket["product"] == "冰箱"
    assert ticket["phone"] == "13812345678"
    assert ticket["address"] == "北京市朝阳区建国路88号3单元501"
    assert ticket["preferred_time"] == str(parse_when("明天下午", now=chat.now))
    assert "不制冷" in ticket["description"]


async def test_installation_in_traditional_chinese(chat):
    await chat.say("我想預約安裝冷氣")
    assert "送到" in chat.text  # product known; delivered?
    await chat.press("pick:delivered:yes")
    await chat.say("香港九龍灣宏照道38號企業廣場5期20樓")
    await chat.say("+852 9123 4567")
    await chat.say("後天上午")
    assert "冷氣" in chat.text and "已送達" in chat.text
    assert when_label(chat, "後天上午", "zh-Hant") in chat.text
    await chat.press(SUBMIT)
    assert "工單號" in chat.text and "IN-" in chat.text  # answered in Traditional
    [ticket] = chat.tickets()
    assert ticket["type"] == "installation" and ticket["product"] == "空调"
    assert ticket["phone"] == "+85291234567"


async def test_return_in_english_with_a_correction_from_the_summary(chat):
    await chat.say("I'd like to return my microwave please")
    assert "why" in chat.text.lower() or "reason" in chat.text.lower()
    await chat.say("it sparks when heating")
    # "return" was in the first message: return or exchange is not asked.
    assert "pick:resolution:return" not in chat.buttons()
    await chat.say("13700001111")
    assert "Please check" in chat.text and "13700001111" in chat.text
    assert "Resolution: Return" in chat.text
    await chat.press(CHANGE)
    await chat.press("edit:phone")
    await chat.say("13700002222")
    # Straight back to the summary with the new number, nothing else asked again.
    assert "13700002222" in chat.text and "13700001111" not in chat.text
    await chat.press(SUBMIT)
    assert "RE-" in chat.text
    [ticket] = chat.tickets()
    assert ticket["type"] == "return_exchange" and ticket["phone"] == "13700002222"


async def test_complaint_is_high_priority_and_apologises(chat):
    await chat.say("我要投诉，你们的师傅上门迟到了三个小时还态度很差")
    assert "抱歉" in chat.text
    await chat.press("skip:related_ticket")
    await chat.say("希望给个说法，换个师傅")
    await chat.say("13812340000")
    await chat.press(SUBMIT)
    assert "CP-" in chat.text and "24 小时" in chat.text
    [ticket] = chat.tickets()
    assert ticket["type"] == "complaint" and ticket["priority"] == "high"


async def test_bad_answers_are_explained_and_the_third_offers_a_person(chat):
    await chat.say("洗衣机坏了要报修")
    assert "故障情况" in chat.text  # nothing said about the fault yet
    await chat.say("转不动了")
    await chat.press("skip:error_code")
    await chat.say("上海市徐汇区漕溪北路100号")
    for _ in range(3):
        await chat.say("12345")
        assert "电话号码好像不正确" in chat.text
    assert "person:failures" in chat.buttons() and "400-800-1234" in chat.text
    # A good answer still goes through.
    await chat.say("13900001234")
    assert "上门" in chat.text


async def test_appointment_in_the_past_is_refused_with_the_reason(chat):
    await chat.say("my air conditioner is leaking water all over the floor, please send someone")
    await chat.press("skip:error_code")
    await chat.say("Flat 3, 12 Nathan Road, Tsim Sha Tsui")
    await chat.say("+852 6123 4567")
    yesterday = (chat.now - timedelta(days=1)).date().isoformat()
    await chat.say(f"{yesterday} morning")
    assert "already passed" in chat.text
    await chat.say("next Monday morning")
    assert when_label(chat, "next Monday morning", "en") in chat.text


async def test_cancel_in_the_middle_of_a_form_creates_nothing(chat):
    await chat.say("冰箱不制冷，要报修")
    await chat.press(CANCEL)
    assert "已取消" in chat.text
    assert chat.tickets() == []


async def test_a_status_question_inside_a_form_is_answered_and_the_form_resumes(chat):
    await chat.say("热水器不出热水了，请派人上门维修")
    await chat.press("skip:error_code")
    assert "地址" in chat.text
    await chat.say("我的工单进度怎么样了")
    assert "没有工单" in chat.text or "工单" in chat.text
    # Back at the address question.
    assert "地址" in chat.last[-1].text


async def test_photos_sent_during_a_repair_are_attached(chat):
    await chat.say("电视坏了，屏幕有条纹，要报修")
    await chat.photo()
    assert "附件" in chat.text
    assert "故障代码" in chat.text  # and the question that was open is asked again
    await chat.press("skip:error_code")
    await chat.say("广州市天河区体育西路1号")
    await chat.say("13600001111")
    await chat.say("后天上午")
    await chat.press(SUBMIT)
    [ticket] = chat.tickets()
    assert [a["kind"] for a in ticket["attachments"]] == ["photo"]
    assert ticket["attachments"][0]["channel"] == chat.channel




async def test_hurrying_up_raises_the_priority_once_and_says_when(chat):
    number = chat.open_ticket()
    await chat.say("催一下，师傅怎么还没来")
    assert number in chat.text and "已受理" in chat.text and "小时内" in chat.text
    await chat.say("快点啊，催单")
    [ticket] = chat.tickets()
    assert ticket["priority"] == "high"  # raised once, not twice
    assert [e["kind"] for e in ticket["events"]].count("expedited") == 2


async def test_cancelling_a_ticket_asks_for_confirmation_and_a_reason(chat):
    number = chat.open_ticket()
    await chat.say("我想取消报修")
    assert number in chat.text
    await chat.press(f"cancelok:{number}:wrong_time")
    assert "已取消" in chat.text
    [ticket] = chat.tickets()
    assert ticket["status"] == "cancelled"
    assert any("wrong_time" in (e["note"] or "") for e in ticket["events"])


async def test_keeping_the_ticket_changes_nothing(chat):
    number = chat.open_ticket()
    await chat.say("cancel my repair please")
    await chat.press("cancel:keep")
    assert chat.tickets()[0]["status"] == "new" and number


@pytest.mark.parametrize(("question", "expected"), [
    ("冰箱保修多久？", "保修"),
    ("雪櫃保固幾耐？", "保固"),
    ("how long is the warranty on a washing machine?", "warranty"),
])
async def test_questions_are_answered_from_the_knowledge_base(chat, question, expected):
    await chat.say(question)
    assert expected in chat.text.lower()
    assert "faq:helped" in chat.buttons() and "menu:human" in chat.buttons()


async def test_a_question_the_knowledge_base_cannot_answer_becomes_an_inquiry_ticket(chat):
    await chat.say("想咨询一下企业团购怎么办理")
    assert "IQ-" in chat.text  # handed to the service team as an inquiry, not a dead end
    [ticket] = chat.tickets()
    assert ticket["type"] == "inquiry" and "团购" in ticket["description"]


async def test_praise_is_recorded_on_the_customers_latest_ticket(chat):
    chat.open_ticket()
    await chat.say("你们的师傅太专业了，服务非常好，点赞！")
    assert "谢谢您的肯定" in chat.text
    [ticket] = chat.tickets()
    last = ticket["events"][-1]
    assert last["kind"] == "feedback" and last["note"].startswith("praise: ")
