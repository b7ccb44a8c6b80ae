"""The web chat's share of "a bot killed or a page closed at any moment loses nothing and
repeats nothing", with the real parts (bot and backend processes on PostgreSQL, the real Rasa
server, a real WebSocket client): a page closed while its message is being answered is shown
the answer when the chat is opened again, once; the bot process killed after a frame was
stored (acknowledged) but before its answer answers it after the restart, once.

The module runs its own stack, with Rasa behind a proxy that can hold what the bot sends it:
a turn is under way (the bot waits for the NLU) for as long as a test holds it."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.chats import WebChat
from tests.support.proxy import HoldingProxy
from tests.support.stack import running_stack

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]

REPAIR = "my washing machine won't drain, please send a technician"


@pytest.fixture(scope="module")
def webfaults(rasa_url, tmp_path_factory):
    rasa = HoldingProxy(urlparse(rasa_url).port).up()
    with running_stack(rasa.url, tmp_path_factory.mktemp("webfaults"),
                       # A held turn waits for Rasa, not for the NLU timeout; the sweep that
                       # picks up what a killed process left runs every second.
                       RASA_TIMEOUT_SECONDS="30", TELEGRAM_SWEEP_SECONDS="1") as stack:
        stack.rasa_proxy = rasa
        yield stack
    rasa.release()
    rasa.close()


def under_way(stack, web: WebChat, text: str) -> None:
    """`text` sent and acknowledged (in the bot's inbox), its turn waiting for Rasa."""
    stack.rasa_proxy.hold()
    web.post(text=text)
    stack.wait_until(lambda: stack.rasa_proxy.held, "the turn at Rasa", timeout=20)
    assert web.waiting()["inbox"] == 1


def test_a_page_closed_mid_turn_is_shown_the_answer_once_when_the_chat_is_opened_again(
        webfaults):
    web = WebChat(webfaults)
    web.send(text="hello")
    under_way(webfaults, web, REPAIR)
    web.close()
    webfaults.rasa_proxy.release()
    # The turn is done and its answer kept: no page of the chat took it.
    webfaults.wait_until(lambda: web.waiting()["inbox"] == 0 and web.waiting()["outgoing"],
                         "the answer kept for the chat")

    back = web.tab()
    shown = back.shown()
    assert shown and "error code" in shown[-1]["text"], shown
    back.close()
    later = web.tab()
    assert later.shown() == []  # not again
    later.send(button="skip:error_code")  # the form goes on from the answer shown
    later.close()


def test_a_frame_stored_before_the_bot_was_killed_is_answered_once_after_the_restart(
        webfaults):
    web = WebChat(webfaults)
    web.send(text="hello")
    under_way(webfaults, web, REPAIR)
    webfaults.bot.kill()  # SIGKILL: the frame is in the inbox, the turn never saved
    webfaults.rasa_proxy.release()
    with pytest.raises(ConnectionClosed):  # the page's socket went with the process
        web.until_barrier()
    webfaults.bot.start()

    back = web.tab()  # the page reconnects
    shown = back.shown()
    assert shown and "error code" in shown[-1]["text"], shown
    assert sum("error code" in frame["text"] for frame in shown) == 1
    back.close()
    later = web.tab()
    assert later.shown() == []
    later.close()


def test_a_push_to_a_chat_whose_page_closed_waits_through_a_bot_restart(webfaults):
    web = WebChat(webfaults)
    web.send(text="hello")
    created = webfaults.service(
        "POST", "/api/v1/tickets", headers={"Idempotency-Key": web.chat_id},
        json={"customer": {"channel": "webchat", "chat_id": web.chat_id, "language": "en"},
              "type": "inquiry", "description": "Is the filter covered?"})
    number = created.json()["number"]
    web.close()
    assert webfaults.staff("POST", f"/api/v1/tickets/{number}/status",
                           json={"status": "assigned"}).status_code == 200
    webfaults.wait_until(lambda: not webfaults.pushes_pending(web.chat_id, "webchat")
                         and web.waiting()["outgoing"], "the push kept by the bot")
    webfaults.bot.kill()
    webfaults.bot.start()

    back = web.tab()
    [shown] = back.shown()
    assert number in shown["text"] and "assigned" in shown["text"]
    back.close()
