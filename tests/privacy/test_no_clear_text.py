"""A whole customer journey on the real stack (fake Telegram, the bot and backend processes on
PostgreSQL, Rasa) with a recognisable name, phone number and address, the street already in the
first message (the ticket's description); then every log of the run and every column of the
database (the bytes stored) are searched for them in clear text. None may appear.

The same scan over everything else customers write, through the API on SQLite and PostgreSQL:
test_free_text.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.catalogue import text as t
from bot.dialogue.buttons import LEAVE_STAFF, SUBMIT
from bot.dialogue.buttons import PRIVACY_ERASE as ERASE
from nlu.entities import TICKET_NUMBER_RE
from tests.privacy.leaks import column_leaks, file_leaks, stored_bytes
from tests.support.chats import TelegramChat

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]

NAME = "欧阳娜娜"
PHONE = "13957123468"
ADDRESS = "杭州市西湖区文三路398号7幢1204室"
# Parts that would still identify: the number without its prefix, the street and house.
SECRETS = (NAME, PHONE, PHONE[-8:], ADDRESS, "文三路398号", "7幢1204室")


class NamedChat(TelegramChat):
    """A Telegram customer whose profile carries their real name."""

    async def say(self, text: str, **extra):
        mark = self.stack.telegram.mark()
        update = self.stack.telegram.send_text(self.chat_number, text, first_name=NAME,
                                               language_code=self.language_code)
        return self.answer(mark, update)


def rasa_logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Rasa's log: the one the test session started (tests/conftest.py), or the one named by
    FRONTDESK_TEST_RASA_LOG for a server started beforehand."""
    logs = list(tmp_path_factory.getbasetemp().glob("rasa*/rasa.log"))
    if os.environ.get("FRONTDESK_TEST_RASA_LOG"):
        logs.append(Path(os.environ["FRONTDESK_TEST_RASA_LOG"]))
    return [log for log in logs if log.exists()]


async def test_a_journey_leaves_no_personal_data_in_clear(stack, tmp_path_factory):
    chat = NamedChat(stack)

    # A repair in the chat, the street in the first message (the description); the address
    # and phone go into the form's fields.
    await chat.say("我家洗衣机漏水了,就在文三路398号,请派师傅上门看看")
    await chat.press("skip:error_code")
    await chat.say(ADDRESS)
    await chat.say(PHONE)
    await chat.say("明天上午")
    assert PHONE in chat.text and ADDRESS in chat.text  # the summary, to the customer only
    await chat.press(SUBMIT)
    number = re.search(TICKET_NUMBER_RE, chat.text).group(0)

    # Staff move it on; the customer hears of it.
    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "assigned"}).status_code == 200
    chat.wait_for(number)

    # A word with a person, in which the customer gives their name, phone and address.
    await chat.say("转人工")
    assert LEAVE_STAFF in chat.buttons()
    forwarded = stack.telegram.send_text(chat.chat_number,
                                         f"我是{NAME}，电话{PHONE}，住{ADDRESS}",
                                         first_name=NAME)
    stack.wait_until_handled(forwarded, chat.chat_number)  # to staff: the bot says nothing
    await chat.press(LEAVE_STAFF)

    # What is held about them, shown in their chat.
    await chat.say("我想导出我的个人数据")
    assert PHONE in chat.text and ADDRESS in chat.text and number in chat.text

    # Staff see it all in clear through the API, including the transcript ...
    export = stack.staff("GET", f"/api/v1/privacy/tickets/{number}/customer").json()
    assert export["tickets"][0]["phone"] == PHONE
    assert any(NAME in line["text"] for line in export["conversations"])
    assert "文三路398号" in export["tickets"][0]["description"]
    # ... but no column of the database (backend and bot share it here) holds any of it in
    # clear.
    assert column_leaks(stack.database_url, SECRETS) == {}
    stored = stored_bytes(stack.database_url)
    for column in ("tickets.phone", "tickets.description", "handoff_messages.text"):
        assert stored[column] and all(v.startswith(b"gAAAAA") for v in stored[column]), column

    # The customer deletes their data; the ciphertext goes too.
    await chat.say("请删除我的个人资料")
    assert number in chat.text  # the open ticket that will be cancelled
    await chat.press(ERASE)
    assert t("zh-Hans", "privacy.delete.done") in chat.text
    [ticket] = stack.sql("SELECT status, phone, address, chat_id FROM tickets "
                         "WHERE number = $1", number)
    assert dict(ticket) == {"status": "cancelled", "phone": None, "address": None,
                            "chat_id": "erased"}
    erased = stack.staff("GET", f"/api/v1/tickets/{number}").json()
    assert (erased["description"], erased["details"]) == ("", {})
    assert stack.sql("SELECT * FROM chat_identities WHERE chat_id = $1", chat.chat_id) == []
    assert stack.sql("SELECT m.* FROM handoff_messages m JOIN handoffs h ON h.id = m.handoff_id "
                     "JOIN tickets t ON t.id = h.ticket_id WHERE t.customer_id = "
                     "(SELECT customer_id FROM tickets WHERE number = $1)", number) == []

    # Every log of the run: the backend's, the bot's, Rasa's.
    logs = [stack.backend.log_path, stack.bot.log_path, *rasa_logs(tmp_path_factory)]
    assert file_leaks(logs, SECRETS) == {}
    backend_log = stack.backend.log_path.read_text(errors="replace")
    assert number in backend_log and "personal data erased" in backend_log  # they do log
