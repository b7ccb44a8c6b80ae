"""The return visit (回访) in the chat: resolve → survey → answers stored once → "not solved"
reopens the ticket."""

from __future__ import annotations

import pytest

from tests.e2e.test_restart_and_webchat import WebChat
from tests.support.chats import TelegramChat

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]


def resolve(chat: TelegramChat, number: str) -> None:
    for status in ("in_progress", "resolved"):
        response = chat.stack.staff("POST", f"/api/v1/tickets/{number}/status",
                                    json={"status": status, "override_reason": "电话回访确认"})
        assert response.status_code == 200, response.text


def survey_of(question) -> str:
    return question.buttons[0].split(":")[1]


def comment_of(stack, number: str) -> str | None:
    """The survey comment of the ticket, as staff read it (it is encrypted at rest)."""
    export = stack.staff("GET", f"/api/v1/privacy/tickets/{number}/customer").json()
    [survey] = [s for s in export["surveys"] if s["ticket_number"] == number]
    return survey["comment"]


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
    assert [(r["solved"], r["rating"], r["follow_up"]) for r in stored] == [(True, 2, True)]
    assert stored[0]["comment"].startswith("gAAAAA")  # encrypted at rest; staff read it:
    assert comment_of(stack, number) == "师傅来得太晚了"


async def test_not_solved_reopens_the_ticket_in_one_message(stack):
    chat = TelegramChat(stack)
    number = chat.open_ticket()
    resolve(chat, number)
    survey = survey_of(chat.wait_for("您的问题解决了吗"))
    mark = stack.telegram.mark()
    said = await chat.press(f"survey:{survey}:solved:no")
    assert f"工单 {number} 已重新打开" in said[0].text
    assert "打分" in said[-1].text  # the survey goes on: the rating
    assert chat.tickets()[0]["status"] == "reopened"
    # Everything the backend queued for the chat delivered: a status message would be here.
    stack.wait_until_idle(chat.chat_number)
    told = [m.text for m in stack.telegram.sent_messages(chat.chat_number,
                                                         methods={"sendMessage"})
            if m.seq > mark]
    assert told == [s.text for s in said]  # no second "reopened" from a status push
    assert sum("重新打开" in text for text in told) == 1


def test_the_survey_runs_in_the_web_chat_too(stack):
    """Resolved in the web chat: the questions arrive over the WebSocket in English, answers
    are buttons and text like in Telegram, and are stored."""
    web = WebChat(stack)
    web.send(text="hello")
    chat_id = f"web-{web.session}"
    created = stack.service("POST", "/api/v1/tickets", headers={"Idempotency-Key": chat_id},
                            json={"customer": {"channel": "webchat", "chat_id": chat_id,
                                               "language": "en"},
                                  "type": "inquiry",
                                  "description": "Is the fridge's filter covered?"})
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "resolved"}).status_code == 200
    pushed = []
    while not any("Was your problem solved?" in f.get("text", "") for f in pushed):
        pushed += web.receive()
    question = next(f for f in pushed if "Was your problem solved?" in f.get("text", ""))
    buttons = [b["data"] for row in question["buttons"] for b in row]
    survey = buttons[0].split(":")[1]
    assert buttons[:2] == [f"survey:{survey}:solved:yes", f"survey:{survey}:solved:no"]

    assert "rate" in web.send(button=f"survey:{survey}:solved:yes")[-1]["text"]
    rated = web.send(button=f"survey:{survey}:rating:4")
    assert "comments" in rated[-1]["text"]
    assert "Thank you for your feedback" in web.send(text="Quick and polite")[-1]["text"]
    web.socket.close()

    stored = stack.sql("SELECT s.solved, s.rating, s.state FROM surveys s "
                       "JOIN tickets t ON t.id = s.ticket_id WHERE t.number = $1", number)
    assert [tuple(r) for r in stored] == [(True, 4, "answered")]
    assert comment_of(stack, number) == "Quick and polite"


async def test_no_survey_for_a_cancelled_ticket(stack):
    chat = TelegramChat(stack)
    number = chat.open_ticket()
    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "cancelled"}).status_code == 200
    chat.wait_for("已取消")
    assert not stack.sql("SELECT 1 FROM surveys s JOIN tickets t ON t.id = s.ticket_id "
                         "WHERE t.number = $1", number)
