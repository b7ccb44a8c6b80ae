"""The return visit (回访) in the chat: resolve → survey → answers stored once → "not solved"
reopens the ticket."""

from __future__ import annotations

import pytest

from tests.support.chats import TelegramChat

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]


def resolve(chat: TelegramChat, number: str) -> None:
    for status in ("in_progress", "resolved"):
        response = chat.stack.staff("POST", f"/api/v1/tickets/{number}/status",
                                    json={"status": status})
        assert response.status_code == 200, response.text


def survey_of(question) -> str:
    return question.buttons[0].split(":")[1]


async def test_survey_answers_are_stored_once_and_a_low_rating_is_followed_up(stack):
    chat = TelegramChat(stack)
    number = chat.open_ticket()
    resolve(chat, number)
    question = chat.wait_for("您的问题解决了吗")
    survey = survey_of(question)
    assert question.buttons[:2] == [f"survey:{survey}:solved:yes", f"survey:{survey}:solved:no"]

    await chat.press(f"survey:{survey}:solved:yes")
    assert "打分" in chat.text
    await chat.press(f"survey:{survey}:rating:2")
    assert "售后服务管理师会跟进" in chat.text
    await chat.press(f"survey:{survey}:rating:2", again=True)  # a double press
    assert "已经记录过了" in chat.text
    await chat.say("师傅来得太晚了")  # the comment
    assert "感谢您的评价" in chat.text

    stored = stack.sql("SELECT solved, rating, comment, follow_up FROM surveys s "
                       "JOIN tickets t ON t.id = s.ticket_id WHERE t.number = $1", number)
    assert [tuple(r) for r in stored] == [(True, 2, "师傅来得太晚了", True)]


async def test_not_solved_reopens_the_ticket(stack):
    chat = TelegramChat(stack)
    number = chat.open_ticket()
    resolve(chat, number)
    survey = survey_of(chat.wait_for("您的问题解决了吗"))
    await chat.press(f"survey:{survey}:solved:no")
    assert "重新安排处理" in chat.text
    assert chat.tickets()[0]["status"] == "reopened"


async def test_no_survey_for_a_cancelled_ticket(stack):
    chat = TelegramChat(stack)
    number = chat.open_ticket()
    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "cancelled"}).status_code == 200
    chat.wait_for("已取消")
    assert not stack.sql("SELECT 1 FROM surveys s JOIN tickets t ON t.id = s.ticket_id "
                         "WHERE t.number = $1", number)
