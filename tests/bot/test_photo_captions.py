"""A registration's photo that comes with words under it (a caption), or as a file, through
Telegram (the real python-telegram-bot in the bot process, the fake Bot API, the backend
process reading the photo, the Rasa server).

During a registration a captioned photo is taken as the photo: "reading it now" at once, and
the caption ("这是发票", "this is the invoice") is no answer to the question asked. Details the
caption carries in passing (the appliance, a labelled model number, the day it was bought) are
kept, the question goes on past them, and the reading fills only what is still missing.
Outside a registration a caption is read as words, as before. A photo sent as a file (a
document, image/jpeg) is read like a photo.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from bot.catalogue import text as t
from bot.dialogue import photo_reading
from bot.dialogue.forms import REGISTER_PRODUCT
from bot.dialogue.state import Conversation, Form
from tests.backend.products.photos.generate import Sample, font_path, sample
from tests.bot.test_photo_languages import the_photo_kept
from tests.bot.test_photo_registration import jobs, noise, read_out, send_photo
from tests.support.chats import TelegramChat

pytestmark = [pytest.mark.rasa, pytest.mark.postgres,
              pytest.mark.skipif(font_path() is None, reason="no CJK font to draw the photos: "
                                 "install Debian's fonts-noto-cjk (CI does)")]

HANS = "zh-Hans"
ASK_FOR_IT = "我想登记一下家里的电器"
# A 容声 fridge's VAT invoice (no serial on it) ...
VAT_INVOICE = sample("invoice", "vat", 5)
# ... a 格力 water heater's English tax invoice (no serial) ...
ENGLISH_INVOICE = sample("invoice", "en", 2)
# ... and two nameplates (no purchase day on them).
NAMEPLATE = sample("nameplate", "hans", 4)  # 小天鹅 洗衣机
FILED_NAMEPLATE = sample("nameplate", "hans", 5)  # 伊莱克斯 洗衣机, sent as a file


def read_lines(said: list, lang: str) -> list[str]:
    """The details the bot says it read from the photo."""
    [read] = [s.text for s in said if s.text.startswith(t(lang, "photo.read"))]
    return read.splitlines()[1:]


@pytest.mark.parametrize(("lang", "locale", "asking", "caption", "photo", "appliance"), [
    (HANS, "zh-hans", ASK_FOR_IT, "这是发票", VAT_INVOICE, "产品: 冰箱"),
    ("en", "en", "Hi, I'd like to register an appliance please", "this is the invoice",
     ENGLISH_INVOICE, "Appliance: water heater"),
], ids=["zh-Hans", "en"])
async def test_a_photo_with_a_caption_is_taken_as_the_registrations_photo(
        stack, lang: str, locale: str, asking: str, caption: str, photo: Sample,
        appliance: str) -> None:
    chat = TelegramChat(stack, language_code=locale)
    await chat.say(asking)
    mark = send_photo(chat, photo.jpeg, caption)
    # "Reading it now", and nothing else: the caption is no answer to "which appliance?".
    assert [s.text for s in chat.last] == [t(lang, "photo.reading")]

    said = read_out(chat, mark)
    truth = {key: str(value) for key, value in photo.truth.items()}
    lines = read_lines(said, lang)
    assert appliance in lines and f"{t(lang, 'field.model')}: {truth['model']}" in lines
    assert said[-1].text == t(lang, "form.register_product.ask.serial")  # none on an invoice
    await chat.press("skip:serial")
    assert "form:submit" in chat.buttons()
    await chat.press("form:submit")
    assert t(lang, "registration.saved") in chat.text
    [product] = chat.products()
    assert {key: str(product[key]) for key in truth} == truth
    the_photo_kept(stack, product, photo)


async def test_the_day_of_purchase_in_a_caption_is_kept_and_not_asked(stack) -> None:
    chat = TelegramChat(stack)
    await chat.say(ASK_FOR_IT)
    mark = send_photo(chat, NAMEPLATE.jpeg, "这是铭牌，2023年5月1日买的")
    assert [s.text for s in chat.last] == [t(HANS, "photo.reading")]

    said = read_out(chat, mark)
    truth = NAMEPLATE.truth
    assert read_lines(said, HANS) == ["产品: 洗衣机", f"品牌: {truth['brand']}",
                                      f"型号: {truth['model']}", f"序列号: {truth['serial']}"]
    # The nameplate has no purchase day, the caption had it: where it was bought is next.
    assert said[-1].text == t(HANS, "form.register_product.ask.purchased_from")
    await chat.press("skip:purchased_from")
    assert "购买日期: 2023-05-01" in chat.text
    await chat.press("form:submit")
    [product] = chat.products()
    assert {key: product[key] for key in truth} == truth
    assert product["purchase_date"] == "2023-05-01"
    the_photo_kept(stack, product, NAMEPLATE)


async def test_a_caption_naming_the_appliance_and_model_is_understood_if_the_photo_is_not(
        stack) -> None:
    chat = TelegramChat(stack)
    await chat.say(ASK_FOR_IT)
    mark = send_photo(chat, noise(), "空调的铭牌，型号KFR-35GW/BP")
    assert [s.text for s in chat.last] == [t(HANS, "photo.reading")]

    said = read_out(chat, mark)
    assert said[-2].text == t(HANS, "photo.unreadable")
    # Not "which appliance?" again: the caption said it; the brand is next.
    assert said[-1].text == t(HANS, "form.register_product.ask.brand")
    for step in ("skip:brand", "skip:serial", "skip:purchase_date", "skip:purchased_from"):
        await chat.press(step)
    assert "型号: KFR-35GW/BP" in chat.text and "产品: 空调" in chat.text
    await chat.press("form:submit")
    [product] = chat.products()
    assert (product["category"], product["model"]) == ("空调", "KFR-35GW/BP")


async def test_outside_a_registration_a_caption_is_read_as_words(stack) -> None:
    chat = TelegramChat(stack)
    send_photo(chat, NAMEPLATE.jpeg, "冰箱不制冷了，要报修")
    assert chat.text.startswith(t(HANS, "form.repair.intro"))
    assert t(HANS, "photo.reading") not in chat.text
    assert jobs(chat) == []  # no photo to read


async def test_a_photo_sent_as_a_file_is_read_like_a_photo(stack) -> None:
    chat, telegram = TelegramChat(stack), stack.telegram
    await chat.say(ASK_FOR_IT)
    mark = telegram.mark()
    update = telegram.send_document(chat.chat_number, FILED_NAMEPLATE.jpeg,
                                    file_name="IMG_2041.JPG", mime_type="image/jpeg",
                                    language_code=chat.language_code)
    chat.answer(mark, update)
    assert [s.text for s in chat.last] == [t(HANS, "photo.reading")]

    said = read_out(chat, mark)
    truth = FILED_NAMEPLATE.truth
    assert read_lines(said, HANS) == ["产品: 洗衣机", f"品牌: {truth['brand']}",
                                      f"型号: {truth['model']}", f"序列号: {truth['serial']}"]
    assert said[-1].text == t(HANS, "form.register_product.ask.purchase_date")
    await chat.press("skip:purchase_date")
    await chat.press("skip:purchased_from")
    await chat.press("form:submit")
    [product] = chat.products()
    assert {key: product[key] for key in truth} == truth
    the_photo_kept(stack, product, FILED_NAMEPLATE)


# ---- what a caption gives, in-process ----------------------------------------------------

@pytest.mark.parametrize(("words", "given", "asking"), [
    ("这是发票", {}, "product"),
    ("呢張係發票", {}, "product"),
    # A bare code under a photo is no model number: the invoice's, the file's name.
    ("这是发票 INV-123456", {}, "product"),
    ("IMG_2041", {}, "product"),
    ("/cancel", {}, "product"),  # a command under a photo: the photo is what came
    ("model KFR-35GW/BP, bought on 3 March 2021",
     {"model": "KFR-35GW/BP", "purchase_date": "2021-03-03"}, "product"),
    ("空调的铭牌，型号KFR-35GW/BP", {"product": "空调", "model": "KFR-35GW/BP"}, "brand"),
])
def test_a_caption_gives_only_the_details_it_names(words: str, given: dict,
                                                   asking: str) -> None:
    conv = Conversation("telegram", "1", form=Form(REGISTER_PRODUCT.name, asking="product"))
    photo_reading.caption(SimpleNamespace(clock=datetime.now), conv, words)  # type: ignore[arg-type]
    assert conv.form is not None
    assert (conv.form.slots, conv.form.asking) == (given, asking)
