"""A quote through Telegram, on the real parts: staff build it on the backend (PostgreSQL), the
outbox dispatcher pushes it to the bot process, python-telegram-bot shows it in the chat of
the fake Telegram Bot API with its buttons, and the customer's Accept reaches the backend; a
changed quote is sent again, and the first one's button is refused as replaced. Buttons only:
the stack runs without a Rasa server (nothing here is typed)."""

from __future__ import annotations

import pytest

from bot.catalogue import text as t
from bot.dialogue.buttons import QUOTE
from tests.support.chats import TelegramChat
from tests.support.offline import UNREACHABLE
from tests.support.stack import running_stack

pytestmark = pytest.mark.postgres

REPAIR = {"items": [{"code": "RF-MAJOR"}], "parts": [{"part_number": "RF-CMP"}]}


@pytest.fixture(scope="module")
def quote_stack(tmp_path_factory):
    with running_stack(UNREACHABLE, tmp_path_factory.mktemp("quotes")) as stack:
        yield stack


def quotes(stack, number: str) -> dict:
    response = stack.staff("GET", f"/api/v1/tickets/{number}/quotes")
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_quote_is_pushed_to_telegram_and_accepted_there(quote_stack) -> None:
    chat = TelegramChat(quote_stack)
    number = chat.open_ticket(customer={"channel": "telegram", "chat_id": chat.chat_id,
                                        "language": "zh-Hans"})
    built = quote_stack.staff("POST", f"/api/v1/tickets/{number}/quotes", json=REPAIR)
    assert built.status_code == 201, built.text

    first = chat.wait_for(t("zh-Hans", "quote.title", number=number, version=1))
    assert "冰箱压缩机：¥980" in first.text and "合计：¥1,190" in first.text
    assert first.buttons == [f"{QUOTE}{action}:{number}:1" for action in ("ok", "no", "ask")]

    changed = quote_stack.staff("POST", f"/api/v1/tickets/{number}/quotes",
                                json={"items": [{"code": "RF-GAS"}]})
    assert changed.status_code == 201, changed.text
    second = chat.wait_for(t("zh-Hans", "quote.title_changed", number=number, version=2,
                             replaces=1))
    assert "合计：¥210" in second.text

    await chat.press(f"{QUOTE}ok:{number}:1", again=True)  # the first message's button
    assert chat.text == t("zh-Hans", "quote.superseded", version=1, current=2)
    await chat.press(f"{QUOTE}ok:{number}:2", again=True)
    assert chat.text == t("zh-Hans", "quote.accepted", number=number, version=2,
                          amount="¥210")
    current = quotes(quote_stack, number)["current"]
    assert (current["version"], current["status"], current["decided_by"]) == (
        2, "accepted", f"customer:telegram:{chat.chat_id}")
