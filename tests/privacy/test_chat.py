"""A customer sees and deletes their personal data in the chat, on the real Rasa model and
backend: straight into the engine, and through Telegram into the bot process."""

from __future__ import annotations

import httpx
import pytest

from backend.kernel.config import DEV_INTERNAL_SECRET, DEV_STAFF_TOKEN
from bot.backend_client import SignedRequests
from bot.catalogue import text as t
from bot.dialogue.buttons import PRIVACY_ASK as ASK
from bot.dialogue.buttons import PRIVACY_ERASE as ERASE
from bot.dialogue.buttons import PRIVACY_KEEP as KEEP

pytestmark = pytest.mark.rasa

PHONE, ADDRESS = "13800000000", "北京市东城区王府井大街1号"


def staff_view(chat, number: str) -> dict:
    return httpx.get(f"{chat.backend_url}/api/v1/tickets/{number}", timeout=10,
                     headers={"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}).json()


def someone_elses_ticket(chat) -> str:
    response = httpx.post(
        f"{chat.backend_url}/api/v1/tickets", timeout=10,
        auth=SignedRequests(DEV_INTERNAL_SECRET),
        headers={"Idempotency-Key": f"other-{chat.chat_id}"},
        json={"customer": {"channel": chat.channel, "chat_id": f"{chat.chat_id}9",
                           "language": "zh-Hans"},
              "type": "repair", "product": "空调", "description": "不制冷",
              "phone": "13999999999", "address": "上海市黄浦区南京东路1号"})
    response.raise_for_status()
    return response.json()["number"]


@pytest.mark.parametrize("words, lang", [("我想导出我的个人数据", "zh-Hans"),
                                         ("你們存了我哪些個人資料", "zh-Hant"),
                                         ("what data do you have about me", "en")])
async def test_the_customer_sees_what_is_held_about_them_in_their_language(chat, words, lang):
    mine = chat.open_ticket()
    other = someone_elses_ticket(chat)
    await chat.say(words)
    shown = chat.text
    assert shown.startswith(t(lang, "privacy.export.title"))
    assert PHONE in shown and ADDRESS in shown and mine in shown
    assert t(lang, "status_name.new") in shown
    # Only their own: not another customer's ticket or phone.
    assert other not in shown and "13999999999" not in shown
    assert ASK in chat.buttons()


async def test_deletion_is_confirmed_first_and_cancels_open_tickets(chat):
    number = chat.open_ticket()
    await chat.say("請刪除我的個人資料")
    assert t("zh-Hant", "privacy.delete.confirm") in chat.text
    assert number in chat.text  # the open ticket that will be cancelled is named
    assert {ERASE, KEEP} <= set(chat.buttons())
    await chat.press(KEEP)
    assert chat.text == t("zh-Hant", "privacy.delete.kept")
    assert staff_view(chat, number)["phone"] == PHONE  # nothing happened

    await chat.say("刪除我的個人資料")
    await chat.press(ERASE)
    assert t("zh-Hant", "privacy.delete.done") in chat.text
    assert t("zh-Hant", "privacy.delete.cancelled", count=1) in chat.text
    ticket = staff_view(chat, number)
    assert (ticket["status"], ticket["phone"], ticket["address"]) == ("cancelled", None, None)

    # Asked again, nothing is held for this chat any more.
    await chat.say("你們有我甚麼個人資料")
    assert chat.text == t("zh-Hant", "privacy.nothing")


async def test_the_commands_and_the_button_under_the_export(chat):
    await chat.say("/mydata")
    # A new chat: nothing held. A command keeps the chat's language (here the default).
    assert chat.text == t("zh-Hans", "privacy.nothing")
    number = chat.open_ticket()
    await chat.say("/mydata")
    assert number in chat.text
    await chat.press(ASK)
    assert t("zh-Hans", "privacy.delete.confirm") in chat.text and number in chat.text
    await chat.say("/deleteme")
    assert t("zh-Hans", "privacy.delete.confirm") in chat.text
    await chat.press(ERASE)
    assert chat.text == "\n".join([t("zh-Hans", "privacy.delete.done"),
                                   t("zh-Hans", "privacy.delete.cancelled", count=1)])
