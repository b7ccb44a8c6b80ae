"""A form survives the bot process restarting; the web chat is the same dialogue over a
WebSocket, and status updates reach it too."""

from __future__ import annotations

import json
import secrets

import pytest
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from tests.support.chats import TelegramChat

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]


async def test_a_form_and_its_language_survive_a_bot_restart(stack):
    chat = TelegramChat(stack, language_code="zh-hant")
    await chat.say("我部雪櫃唔凍，想搵師傅上門維修")
    await chat.press("skip:error_code")
    assert "地址" in chat.text

    stack.restart_bot()

    await chat.say("九龍旺角彌敦道700號10樓")
    assert "聯絡電話" in chat.text  # the next question, still in Traditional Chinese


class WebChat:
    """A browser's chat. The bot handles a socket's frames one at a time, in order, and
    answers a malformed frame with an error: one sent after a message comes back after the
    whole answer, so the end of an answer is an event (no quiet spell waited out)."""

    def __init__(self, stack):
        self.stack = stack
        self.session = secrets.token_hex(16)
        self.chat_id = f"web-{self.session}"
        url = stack.bot_url.replace("http://", "ws://") + f"/chat/ws?session={self.session}"
        self.socket = connect(url + "&lang=en-GB", open_timeout=10)
        self.frames = 0

    def send(self, **frame) -> list[dict]:
        """The bot's whole answer to a message or a button (at least one frame)."""
        self.frames += 1
        self.socket.send(json.dumps({"id": f"f{self.frames}", **frame}))
        received = self._until_barrier()
        assert received, f"no answer to {frame}"
        return received

    def receive(self) -> list[dict]:
        """What the bot pushes: the frames of every push the backend has for this chat, once
        the first arrived and the backend holds none undelivered (a push is delivered only
        after the bot sent all of its frames)."""
        received = [json.loads(self.socket.recv(timeout=30))]
        self.stack.wait_until(lambda: not self.stack.pushes_pending(self.chat_id, "webchat"),
                              f"the pushes to {self.chat_id} delivered")
        return received + self._until_barrier()

    def _until_barrier(self) -> list[dict]:
        self.socket.send(json.dumps({"id": "barrier"}))  # neither text nor button
        received = []
        while "error" not in (frame := json.loads(self.socket.recv(timeout=60))):
            received.append(frame)
        return received


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
    web.socket.close()


def test_a_push_to_a_closed_web_chat_waits_for_the_customer_to_come_back(stack):
    web = WebChat(stack)
    web.send(text="hello")
    chat_id = f"web-{web.session}"
    created = stack.service("POST", "/api/v1/tickets", headers={"Idempotency-Key": chat_id},
                            json={"customer": {"channel": "webchat", "chat_id": chat_id,
                                               "language": "en"},
                                  "type": "inquiry", "description": "Is the filter covered?"})
    number = created.json()["number"]
    web.socket.close()

    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "resolved"}).status_code == 200
    # The backend tries while the page is closed, and keeps the update.
    stack.wait_until(lambda: stack.sql(
        "SELECT count(*) AS n FROM outbox_messages WHERE payload->>'chat_id' = $1 "
        "AND delivered_at IS NULL AND attempts > 0", chat_id)[0]["n"] > 0,
        "a failed delivery")

    url = stack.bot_url.replace("http://", "ws://") + f"/chat/ws?session={web.session}"
    with connect(url, open_timeout=10) as socket:
        pushed = json.loads(socket.recv(timeout=30))
    assert number in pushed["text"] and "resolved" in pushed["text"]


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
