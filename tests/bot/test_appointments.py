"""The customer answers an appointment staff made: the "scheduled" message shows the date and
window with confirm / another time; another time is asked for in the chat, read like the
forms' visit time and kept on the ticket for the dispatcher. Straight into the engine and
through Telegram (where the push really comes through the backend's outbox)."""

from __future__ import annotations

import httpx
import pytest

from backend.kernel.config import DEV_STAFF_TOKEN
from bot.catalogue import text as t
from bot.dialogue.appointments import CONFIRM, KEEP, OTHER_TIME
from bot.dialogue.when import parse_when
from tests.support import clock
from tests.support.chats import EngineChat, Said

pytestmark = pytest.mark.rasa  # the Telegram variant

SATURDAY, SUNDAY = clock.iso(4), clock.iso(5)


async def scheduled(chat, number: str, day: str = SATURDAY,
                    window: str = "morning") -> Said:
    """Staff schedule the visit; the push the customer's chat shows."""
    response = httpx.post(f"{chat.backend_url}/api/v1/tickets/{number}/schedule", timeout=10,
                          json={"date": day, "window": window, "note": None},
                          headers={"Authorization": f"Bearer {DEV_STAFF_TOKEN}"})
    assert response.status_code == 200, response.text
    if isinstance(chat, EngineChat):  # no bot listens to that backend: render the push here
        replies = await chat.engine.render_push({
            "event_id": f"e-{number}", "ticket_number": number, "ticket_type": "repair",
            "status": "scheduled", "previous_status": "new", "note": None,
            "appointment": {"date": day, "window": window}, "channel": chat.channel,
            "chat_id": chat.chat_id, "language": "zh-Hans"})
        chat.last = [Said(r.text, [b.data for row in r.buttons for b in row]) for r in replies]
    else:
        chat.last = [chat.wait_for(f"上门时间：{day}")]
    return chat.last[0]


async def test_the_customer_confirms_the_visit(chat) -> None:
    number = chat.open_ticket()

    push = await scheduled(chat, number, window="afternoon")

    assert number in push.text and f"上门时间：{SATURDAY} 下午" in push.text
    assert push.buttons == [f"{CONFIRM}{number}", f"{OTHER_TIME}{number}"]
    await chat.press(f"{CONFIRM}{number}")
    assert "已确认" in chat.text and number in chat.text
    [ticket] = chat.tickets()
    assert ticket["appointment_confirmed_at"] is not None
    assert ticket["events"][-1]["kind"] == "appointment_confirmed"


async def test_another_time_is_asked_for_and_kept_for_the_dispatcher(chat) -> None:
    number = chat.open_ticket()
    await scheduled(chat, number)

    await chat.press(f"{OTHER_TIME}{number}")
    assert "希望改到什么时候" in chat.text and chat.buttons() == [KEEP]
    await chat.say("随便吧")
    assert t("zh-Hans", "invalid.when") in chat.text and chat.buttons() == [KEEP]
    await chat.say("周六下午")

    wanted = str(parse_when("周六下午", now=chat.now))
    day, window = wanted.split()
    assert f"您希望改到 {day} 下午" in chat.text and window == "afternoon"
    [ticket] = chat.tickets()
    assert (ticket["appointment_request"], ticket["appointment_date"]) == (wanted, SATURDAY)
    assert (ticket["events"][-1]["kind"], ticket["events"][-1]["note"]) == (
        "appointment_change_requested", wanted)
    await chat.say("你好")  # the question is closed: the bot answers as usual
    assert "menu:repair" in chat.buttons()


async def test_keeping_the_time_or_asking_something_else_drops_the_question(chat) -> None:
    number = chat.open_ticket()
    await scheduled(chat, number)
    await chat.press(f"{OTHER_TIME}{number}")

    await chat.press(KEEP)
    assert "保持不变" in chat.text

    await scheduled(chat, number, day=SUNDAY)
    await chat.press(f"{OTHER_TIME}{number}")
    await chat.say(f"查一下工单 {number} 的进度")
    assert number in chat.text and "已预约" in chat.text
    [ticket] = chat.tickets()
    assert ticket["appointment_request"] is None
