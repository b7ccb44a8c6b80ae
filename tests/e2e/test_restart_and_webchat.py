"""A form survives the bot process restarting; the web chat is the same dialogue over a
WebSocket, on the same delivery layer as Telegram (bot/channels/delivery.py): status updates
reach it, every open page of a chat is shown every reply, a push while no page is open waits
for the next one, and a frame sent again after a reconnect is answered once. (The bot killed
and pages closed mid-turn: tests/faults/test_webchat_faults.py.)"""

from __future__ import annotations

import pytest
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from tests.support.chats import TelegramChat, WebChat

__all__ = ["WebChat"]  # tests/e2e/test_survey.py takes it from here

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]


async def test_a_form_and_its_language_survive_a_bot_restart(stack):
    chat = TelegramChat(stack, language_code="zh-hant")
    await chat.say("我部雪櫃唔凍，想搵師傅上門維修")
    await chat.press("skip:error_code")
    assert "地址" in chat.text

    stack.restart_bot()

    await chat.say("九龍旺角彌敦道700號10樓")
    assert "聯絡電話" in chat.text  # the next question, still in Traditional Chinese


def test_web_chat_books_a_repair_and_hears_about_it(stack):
    web = WebChat(stack)
    replies = web.send(text="my washing machine won't drain, please send a technician")
    assert "error code" in replies[-1]["text"]
    web.send(button="skip:error_code")
    web.send(text="Room 5, 8 Queen's Road Central, Hong Kong")
    web.send(text="+852 9876 5432")
    replies = web.send(text="the day after tomorrow, morning")
    assert "Please check" in replies[-1]["text"]
    buttons = [b["data"] for row in replies[-1]["buttons"] for b in row]
    assert "form:submit" in buttons
    created = web.send(button="form:submit")[-1]["text"]
    number = created.split("Ticket number: ")[1].split(".")[0]

    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "assigned"}).status_code == 200
    pushed = web.receive()
    assert number in pushed[-1]["text"] and "assigned" in pushed[-1]["text"]
    web.close()


def open_inquiry(stack, chat_id: str) -> str:
    created = stack.service("POST", "/api/v1/tickets", headers={"Idempotency-Key": chat_id},
                            json={"customer": {"channel": "webchat", "chat_id": chat_id,
                                               "language": "en"},
                                  "type": "inquiry", "description": "Is the filter covered?"})
    assert created.status_code == 201, created.text
    return created.json()["number"]


def test_a_push_to_a_closed_web_chat_waits_in_the_bot_for_the_customer_to_come_back(stack):
    web = WebChat(stack)
    web.send(text="hello")
    number = open_inquiry(stack, web.chat_id)
    web.close()

    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "assigned"}).status_code == 200
    # The bot takes the push while no page is open (no 503, no retry): it is in its outbox.
    stack.wait_until(lambda: not stack.pushes_pending(web.chat_id, "webchat"),
                     "the push taken by the bot")
    assert stack.sql("SELECT max(attempts) AS n FROM outbox_messages "
                     "WHERE payload->>'chat_id' = $1", web.chat_id)[0]["n"] == 1
    assert web.waiting() == {"inbox": 0, "outgoing": 1}

    back = web.tab()  # the page opened again
    [shown] = back.shown()
    assert number in shown["text"] and "assigned" in shown["text"]
    back.close()
    later = web.tab()
    assert later.shown() == []  # shown once, not again
    later.close()


def test_every_open_page_of_a_web_chat_is_shown_every_reply(stack):
    first = WebChat(stack)
    second = first.tab()
    answer = first.send(text="hello")
    assert answer and answer == second.shown()

    number = open_inquiry(stack, first.chat_id)
    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "assigned"}).status_code == 200
    pushed = first.receive()
    assert number in pushed[0]["text"] and pushed == second.shown()
    first.close()
    second.close()


def test_a_frame_sent_again_after_a_reconnect_is_answered_once(stack):
    web = WebChat(stack)
    frame = web.post(text="hello")
    answer = web.shown()
    web.close()

    again = web.tab()  # the page did not see the ack, and sends the frame again
    assert again.post(frame, text="hello") == frame
    assert answer and again.shown() == []
    assert again.send(text="hello")  # a new frame is a new message
    again.close()


def test_the_web_chat_page_is_served_with_a_content_security_policy(stack):
    import httpx

    page = httpx.get(f"{stack.bot_url}/chat", timeout=10)
    assert page.status_code == 200 and "<title>" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("session", ["", "short", "../../etc/passwd", "x" * 200])
def test_a_web_chat_without_a_proper_session_is_refused(stack, session):
    url = stack.bot_url.replace("http://", "ws://") + f"/chat/ws?session={session}"
    with pytest.raises(WebSocketException):  # refused at the handshake, or closed at once
        with connect(url, open_timeout=5) as socket:
            socket.recv(timeout=5)
