"""A product registered from a photo, in the customer's own language, through Telegram (the
real python-telegram-bot in the bot process, the fake Bot API serving the photo, the backend
process reading it, the Rasa server): an English customer with a photo of an English tax
invoice, a Hong Kong customer with a photo of a Traditional Chinese nameplate. What the
customer relies on: every reply in their language, the details the bot says it read, the
product the backend registered with them, and the photo kept with it.
(The Simplified Chinese path, and what goes wrong on the way: test_photo_registration.py.)
"""

from __future__ import annotations

import re

import hanzidentifier
import pytest

from bot.catalogue import text as t
from tests.backend.products.photos.generate import Sample, font_path, sample
from tests.bot.test_photo_registration import read_out, send_photo
from tests.support.chats import TelegramChat
from tests.support.stack import Stack

pytestmark = [pytest.mark.rasa, pytest.mark.postgres,
              pytest.mark.skipif(font_path() is None, reason="no CJK font to draw the photos: "
                                 "install Debian's fonts-noto-cjk (CI does)")]

# A TCL washing machine's tax invoice from a Kowloon shop: every detail, the serial too.
ENGLISH_INVOICE = sample("invoice", "en", 0)
# A Whirlpool (惠而浦) fridge's plate in Traditional Chinese (型號, 製造編號): no purchase day.
HANT_NAMEPLATE = sample("nameplate", "hant", 0)
_HAN = re.compile(r"[\u3400-\u9fff]")


def the_photo_kept(stack: Stack, product: dict, photo: Sample) -> None:
    """The product has the photo, as the customer sent it, for the desk to open."""
    [kept] = stack.staff("GET", f"/api/v1/products/{product['id']}").json()["photos"]
    assert (kept["kind"], kept["size"]) == (photo.kind, len(photo.jpeg))
    image = stack.staff("GET", f"/api/v1/products/{product['id']}/photos/{kept['id']}")
    assert (image.status_code, image.content) == (200, photo.jpeg)


def everything_said(chat: TelegramChat) -> list[str]:
    telegram = chat.stack.telegram
    return [m.text for m in telegram.sent_messages(chat.chat_number, methods={"sendMessage"})]


async def test_an_english_customer_registers_from_a_photo_of_the_invoice(stack) -> None:
    chat = TelegramChat(stack, language_code="en")
    await chat.say("Hi, I'd like to register an appliance please")
    assert t("en", "form.register_product.ask.product") in chat.text
    mark = send_photo(chat, ENGLISH_INVOICE.jpeg)
    assert [s.text for s in chat.last] == [t("en", "photo.reading")]

    said = read_out(chat, mark)
    truth = {key: str(value) for key, value in ENGLISH_INVOICE.truth.items()}
    [read] = [s.text for s in said if s.text.startswith(t("en", "photo.read"))]
    assert read.splitlines()[1:] == [
        "Appliance: washing machine", f"Brand: {truth['brand']}", f"Model: {truth['model']}",
        f"Serial number: {truth['serial']}", f"Purchase date: {truth['purchase_date']}",
        f"Bought at: {truth['purchased_from']}"]
    # Every detail read: the summary, to confirm.
    assert said[-1].text.startswith(t("en", "form.register_product.summary"))
    assert "form:submit" in chat.buttons()

    await chat.press("form:submit")
    assert t("en", "registration.saved") in chat.text
    [product] = chat.products()
    assert {key: str(product[key]) for key in truth} == truth  # category: 洗衣机
    the_photo_kept(stack, product, ENGLISH_INVOICE)
    # Spoken to in English throughout: no Chinese in anything the bot said (its buttons'
    # labels aside, the details here are all in Latin letters).
    assert not [text for text in everything_said(chat) if _HAN.search(text)]


async def test_a_hong_kong_customer_registers_from_a_photo_of_a_traditional_nameplate(
        stack) -> None:
    lang = "zh-Hant"
    chat = TelegramChat(stack, language_code="zh-hk")
    await chat.say("我想登記一下屋企啲電器")
    assert t(lang, "form.register_product.ask.product") in chat.text
    mark = send_photo(chat, HANT_NAMEPLATE.jpeg)
    assert [s.text for s in chat.last] == [t(lang, "photo.reading")]  # 📷 收到相片，正在識別…

    said = read_out(chat, mark)
    truth = HANT_NAMEPLATE.truth
    [read] = [s.text for s in said if s.text.startswith(t(lang, "photo.read"))]
    assert read.splitlines()[1:] == [
        "產品: 雪櫃", f"品牌: {truth['brand']}", f"型號: {truth['model']}",
        f"序號: {truth['serial']}"]
    # A nameplate shows no purchase day: that is the question now, in Traditional Chinese.
    assert said[-1].text == t(lang, "form.register_product.ask.purchase_date")
    assert "skip:purchase_date" in chat.buttons()

    await chat.say("2023年3月15日")
    assert t(lang, "form.register_product.ask.purchased_from") in chat.text
    await chat.say("豐澤電器")
    assert chat.text.startswith(t(lang, "form.register_product.summary"))
    assert f"型號: {truth['model']}" in chat.text and "購買日期: 2023-03-15" in chat.text
    await chat.press("form:submit")
    assert t(lang, "registration.saved") in chat.text  # 已為您登記。
    [product] = chat.products()
    assert {key: product[key] for key in truth} == truth
    assert (product["purchase_date"], product["purchased_from"]) == ("2023-03-15", "豐澤電器")
    the_photo_kept(stack, product, HANT_NAMEPLATE)
    # Nothing said in Simplified Chinese.
    assert not [text for text in everything_said(chat)
                if hanzidentifier.identify(text) in (hanzidentifier.SIMPLIFIED,
                                                     hanzidentifier.MIXED)]
