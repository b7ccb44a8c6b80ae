"""The service record through Telegram, on the real parts: a technician completes the job on
the backend (PostgreSQL), the outbox dispatcher pushes the record to the bot process,
python-telegram-bot shows it in the chat of the fake Telegram Bot API with its buttons, and
the customer's Confirm reaches the backend as their signature (the Telegram chat's identity);
"Not fixed" on another job sends it back. The record's PDF, asked for with its button, arrives
as a document. Buttons only: the stack runs without a Rasa server
(nothing here is typed)."""

from __future__ import annotations

import io

import pypdf
import pytest

from bot.catalogue import text as t
from bot.dialogue.buttons import RECORD
from tests.support.chats import TelegramChat
from tests.support.offline import UNREACHABLE
from tests.support.stack import running_stack

pytestmark = pytest.mark.postgres

CHECKLIST = {"test_run": True, "usage_explained": True, "site_cleaned": True}
NOTHING_FOUND = {"diagnosis": "检查后未发现故障，已清洁冷凝器", "fault_category": "NFF",
                 "checklist": CHECKLIST}


@pytest.fixture(scope="module")
def record_stack(tmp_path_factory):
    with running_stack(UNREACHABLE, tmp_path_factory.mktemp("records")) as stack:
        made = stack.staff("POST", "/api/v1/staff", json={
            "username": "li", "display_name": "李师傅", "role": "technician",
            "password": "a-long-enough-password-1", "staff_number": "T-0031"})
        assert made.status_code == 201, made.text
        yield stack


def completed(stack, chat: TelegramChat) -> str:
    number = chat.open_ticket(customer={"channel": "telegram", "chat_id": chat.chat_id,
                                        "language": "zh-Hans"})
    assert stack.staff("POST", f"/api/v1/tickets/{number}/assign",
                       json={"assignee": "li"}).status_code == 200
    done = stack.staff("POST", f"/api/v1/tickets/{number}/complete", json=NOTHING_FOUND)
    assert done.status_code == 200, done.text
    return number


async def test_the_record_is_pushed_to_telegram_and_signed_there(record_stack) -> None:
    chat = TelegramChat(record_stack)
    number = completed(record_stack, chat)

    shown = chat.wait_for(t("zh-Hans", "record.title", number=number, version=1))
    assert t("zh-Hans", "record.technician_numbered", name="李师傅",
             staff_number="T-0031") in shown.text
    assert t("zh-Hans", "record.fault", fault="未发现故障") in shown.text
    assert shown.buttons == [f"{RECORD}ok:{number}:1", f"{RECORD}no:{number}:1",
                             f"{RECORD}pdf:{number}:1"]  # Telegram can send files

    # The PDF, asked for in the chat: sent as a document, in the customer's language.
    [after] = await chat.press(f"{RECORD}pdf:{number}:1")
    assert after.text == t("zh-Hans", "record.pdf_sent", number=number)
    assert after.buttons == [f"{RECORD}ok:{number}:1", f"{RECORD}no:{number}:1"]
    [sent] = record_stack.telegram.sent_messages(chat.chat_number, methods=("sendDocument",))
    upload = sent.params["document"]
    assert upload.filename == f"{number}.pdf"
    assert sent.caption == t("zh-Hans", "record.pdf_caption", number=number)
    pdf = "\n".join(page.extract_text()
                    for page in pypdf.PdfReader(io.BytesIO(upload.data)).pages)
    assert "维修记录" in pdf and number in pdf and "李师傅" in pdf

    await chat.press(f"{RECORD}ok:{number}:1")

    assert chat.text == t("zh-Hans", "record.confirmed", number=number, version=1)
    record = record_stack.staff("GET", f"/api/v1/tickets/{number}/record").json()
    assert record["content"]["signature"]["chat_actor"] == f"customer:telegram:{chat.chat_id}"
    assert record["signed_channel"] == "telegram"
    verified = record_stack.staff("GET", f"/api/v1/tickets/{number}/record/verify").json()
    assert verified["matches"]
    ticket = record_stack.staff("GET", f"/api/v1/tickets/{number}").json()
    assert (ticket["status"], ticket["resolved_by"]) == ("resolved", "confirmed")


async def test_not_fixed_from_telegram_sends_the_job_back(record_stack) -> None:
    chat = TelegramChat(record_stack)
    number = completed(record_stack, chat)
    chat.wait_for(t("zh-Hans", "record.title", number=number, version=1))

    await chat.press(f"{RECORD}no:{number}:1")

    assert chat.text == t("zh-Hans", "record.sent_back", number=number)
    ticket = record_stack.staff("GET", f"/api/v1/tickets/{number}").json()
    assert (ticket["status"], ticket["awaiting_acceptance_since"]) == ("in_progress", None)
    await chat.press(f"{RECORD}skip:{number}:1")
    assert chat.text == t("zh-Hans", "record.skipped")
