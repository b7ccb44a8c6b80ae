"""A product registered from a photo of its nameplate or invoice, read off the chat's hot path
(bot/dialogue/photo_reading.py, bot/photos.py, backend/products/photos/router.py).

Through Telegram (the real python-telegram-bot in the bot process, the fake Bot API serving
the photo's file, the backend process reading it; a stack of the module's own, whose bot is
killed in one test): the photo is acknowledged at once, its reading fills the form, and the
customer confirms (the photo is kept with the product, for the desk to open); a photo that shows nothing readable is said so and the form goes on; a
reading that comes after the customer cancelled changes nothing; a bot killed while a photo
waits to be read answers it once after the restart.

The worker's other paths, in-process on the bot's SQLite store (the real engine, delivery
layer and backend; the channel's getFile stood in for): the reading stored in the inbox but
the job not dropped (a kill in between) is answered once (and waits there encrypted); a channel away for every attempt
ends in an honest message; a file that is no photo is said so at once; what the customer
typed is kept and a future purchase date refused; the backend's token of the photo it kept
rides with the form, never shown, and goes with the registration. And on a channel whose photos
no reader fetches (the engine alone, without the bot's photo reader), a photo is what it was
before. (The web chat's photos take the same path: tests/e2e/test_webchat_photo.py. English
and Traditional Chinese customers: test_photo_languages.py; a photo with a caption, or sent as
a file: test_photo_captions.py.)
"""

from __future__ import annotations

import io
import sqlite3
import uuid

import httpx
import numpy as np
import pytest
from PIL import Image

from backend.kernel.clock import utcnow
from backend.kernel.config import DEV_STAFF_TOKEN
from bot import photos
from bot.channels.base import Capabilities
from bot.channels.delivery import Delivery
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.types import Attachment, InboundMessage, Reply
from bot.photos import PhotoReader
from tests.backend.products.photos.generate import font_path, sample
from tests.support.chats import EngineChat, Said, TelegramChat
from tests.support.stack import Stack, running_stack

pytestmark = [pytest.mark.rasa, pytest.mark.postgres,
              pytest.mark.skipif(font_path() is None, reason="no CJK font to draw the photos: "
                                 "install Debian's fonts-noto-cjk (CI does)")]

ASK_FOR_IT = "我想登记一下家里的电器"
NAMEPLATE = sample("nameplate", "hans", 1)  # 奥克斯 空调, its model and serial number


def noise() -> bytes:
    """A photo of nothing: grey noise, as JPEG."""
    pixels = np.random.default_rng(7).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG")
    return out.getvalue()


# ---- through Telegram ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def photo_stack(rasa_url, tmp_path_factory):
    """Backend and bot processes of the module's own (one test kills the bot), with the bot's
    retry pacing shortened where a test would only wait."""
    with running_stack(rasa_url, tmp_path_factory.mktemp("photos"),
                       SUBMISSION_RETRY_SECONDS="[1, 2, 4]", TELEGRAM_SWEEP_SECONDS="1") as stack:
        yield stack


def jobs(chat: TelegramChat) -> list:
    """The chat's photos waiting to be read: their attempts so far."""
    return [row["attempts"] for row in chat.stack.bot_sql(
        "SELECT attempts FROM bot_photo_jobs WHERE channel = 'telegram' AND chat_id = $1",
        chat.chat_id)]


def send_photo(chat: TelegramChat, data: bytes, caption: str | None = None) -> int:
    """The customer sends a photo (with words under it, `caption`); the answer to it is in
    `chat.last`. The mark before it."""
    telegram = chat.stack.telegram
    mark = telegram.mark()
    update = telegram.send_photo(chat.chat_number, caption, data=data,
                                 language_code=chat.language_code)
    chat.answer(mark, update)
    return mark


def read_out(chat: TelegramChat, mark: int) -> list[Said]:
    """Everything said since `mark` once the photo was read and its reading handled and shown:
    no job left, the chat idle (a reading is in the inbox before its job goes)."""
    stack: Stack = chat.stack
    stack.wait_until(lambda: not jobs(chat) and stack.idle(chat.chat_id),
                     f"the photo of chat {chat.chat_id} read and answered")
    telegram = stack.telegram
    chat.last = [Said(m.text, [data for _, data in telegram.buttons(m)])
                 for m in telegram.sent_messages(chat.chat_number, methods={"sendMessage"})
                 if m.seq > mark]
    return chat.last


async def test_a_nameplate_photo_fills_the_registration_and_the_customer_confirms(
        photo_stack) -> None:
    chat = TelegramChat(photo_stack)
    await chat.say(ASK_FOR_IT)
    assert "pick:product:空调" in chat.buttons()
    mark = send_photo(chat, NAMEPLATE.jpeg)
    assert chat.last[0].text.startswith("📷 收到照片")

    said = read_out(chat, mark)
    truth = NAMEPLATE.truth
    [read] = [s.text for s in said if s.text.startswith("从照片中读到")]
    assert all(f"{field}: {truth[key]}" in read for field, key in (
        ("产品", "category"), ("品牌", "brand"), ("型号", "model"), ("序列号", "serial")))
    assert "skip:purchase_date" in chat.buttons()  # the next question not answered by it

    await chat.press("skip:purchase_date")
    await chat.press("skip:purchased_from")
    assert truth["model"] in chat.text and "form:submit" in chat.buttons()
    await chat.press("form:submit")
    assert "已为您登记" in chat.text
    [product] = chat.products()
    assert {key: product[key] for key in truth} == truth
    # The photo is kept with the product: the desk opens it as the customer sent it.
    [photo] = photo_stack.staff("GET", f"/api/v1/products/{product['id']}").json()["photos"]
    assert (photo["kind"], photo["size"]) == ("nameplate", len(NAMEPLATE.jpeg))
    image = photo_stack.staff("GET", f"/api/v1/products/{product['id']}/photos/{photo['id']}")
    assert (image.status_code, image.content) == (200, NAMEPLATE.jpeg)


async def test_a_photo_that_shows_nothing_readable_is_said_so_and_the_form_goes_on(
        photo_stack) -> None:
    chat = TelegramChat(photo_stack)
    await chat.say(ASK_FOR_IT)
    mark = send_photo(chat, noise())
    read_out(chat, mark)
    assert "照片没能看清楚" in chat.text and "型号在机身铭牌上" in chat.text
    assert "pick:product:冰箱" in chat.buttons()  # the question again
    await chat.press("pick:product:冰箱")
    assert "skip:brand" in chat.buttons()
    assert chat.products() == []


async def test_a_reading_after_the_customer_cancelled_changes_nothing(photo_stack) -> None:
    chat, telegram = TelegramChat(photo_stack), photo_stack.telegram
    await chat.say(ASK_FOR_IT)
    telegram.fail_next("getFile", status=502, times=20)  # held until the customer cancelled
    try:
        mark = send_photo(chat, NAMEPLATE.jpeg)
        photo_stack.wait_until(lambda: jobs(chat) and jobs(chat)[0] >= 1,
                               "the first try at the photo failed")
        await chat.say("/cancel")
        assert "已取消本次登记" in chat.text
    finally:
        telegram.clear_faults()
    said = read_out(chat, mark)
    assert said[-1].text == "照片已识别，但对应的产品登记已经结束，所以没有做任何更改。"
    assert chat.products() == []
    await chat.say("/cancel")
    assert "目前没有正在办理的申请" in chat.text  # no form was opened again


async def test_a_bot_killed_while_a_photo_waits_answers_it_once_after_the_restart(
        photo_stack) -> None:
    chat, telegram = TelegramChat(photo_stack), photo_stack.telegram
    await chat.say(ASK_FOR_IT)
    telegram.fail_next("getFile", status=502, times=20)
    try:
        mark = send_photo(chat, NAMEPLATE.jpeg)
        photo_stack.wait_until(lambda: jobs(chat) and jobs(chat)[0] >= 1,
                               "the first try at the photo failed")
        photo_stack.bot.kill()
    finally:
        telegram.clear_faults()
    photo_stack.bot.start()

    said = read_out(chat, mark)
    assert [s.text[:6] for s in said] == ["📷 收到照片", "从照片中读到", "什么时候买的"]
    everything = telegram.sent_messages(chat.chat_number, methods={"sendMessage"})
    assert len(everything) == 2 + 3  # the request's intro and question; the photo's three


# ---- the worker's paths, in-process --------------------------------------------------------

@pytest.fixture(scope="module")
def backend_url(photo_stack) -> str:
    """The engine fixture's backend: the module stack's."""
    return photo_stack.backend_url


class FileChat:
    """A chat of a channel that can fetch files, on the real delivery layer: `files` are
    what its getFile gives (bytes, or the exception it raises); what it shows is `shown`."""

    name = "telegram"
    capabilities = Capabilities(buttons=True, photos=True, edits=True, fetch_files=True)

    def __init__(self, engine: DialogueEngine, files: dict[str, bytes | Exception]) -> None:
        engine.photo_channels = frozenset({self.name})
        self.engine, self.files, self.chat_id = engine, files, uuid.uuid4().hex[:12]
        self.shown: list[Reply] = []
        self.delivery = Delivery(self.name, engine=engine, store=engine.store, show=self._show)

    async def _show(self, chat_id: str, reply: Reply) -> None:
        self.shown.append(reply)

    async def fetch_file(self, file_id: str, limit: int) -> bytes:
        found = self.files[file_id]
        if isinstance(found, Exception):
            raise found
        return found

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def routes(self) -> list:
        return []

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        return await self.delivery.send(chat_id, replies, event_id=event_id)

    async def turn(self, **fields) -> list[Reply]:
        """The customer does something; what the bot answers."""
        before = len(self.shown)
        await self.delivery.receive(InboundMessage(
            channel=self.name, chat_id=self.chat_id, update_id=uuid.uuid4().hex,
            locale_hint="zh-hans", **fields))
        await self.delivery.handle(self.chat_id)
        return self.shown[before:]

    async def registering_with_a_photo(self) -> None:
        """The register_product form open, and a photo (file "f1") sent in it."""
        await self.turn(button="menu:register_product")
        [ack] = await self.turn(attachments=(Attachment("photo", "f1"),))
        assert ack.text.startswith("📷 收到照片")

    def texts(self) -> list[str]:
        return [reply.text for reply in self.shown]


async def jobs_left(engine: DialogueEngine) -> list:
    now = utcnow()
    return await engine.store.claim_photo_jobs(["telegram"], now, now)


async def test_a_reading_stored_but_its_job_not_dropped_is_answered_once(
        engine, monkeypatch, tmp_path) -> None:
    """Killed between storing the reading in the inbox and dropping the job: the restarted
    bot reads the photo again, and the inbox takes the reading for the repeat it is."""
    chat = FileChat(engine, {"f1": NAMEPLATE.jpeg})
    await chat.registering_with_a_photo()
    drop = engine.store.drop_photo_job

    async def killed(job_id: str) -> None:
        raise SystemExit("killed before the job was dropped")

    monkeypatch.setattr(engine.store, "drop_photo_job", killed)
    monkeypatch.setattr(photos, "CLAIM_SECONDS", 0)  # the killed process's claim lapses at once
    with pytest.raises(SystemExit):
        await PhotoReader(engine, {chat.name: chat}).run_once()
    monkeypatch.setattr(engine.store, "drop_photo_job", drop)
    # Waiting in the inbox, the reading is encrypted at rest, as is the photo's file id.
    with sqlite3.connect(tmp_path / "bot.db") as database:
        [(payload,)] = database.execute(
            "SELECT payload FROM bot_inbox WHERE update_id LIKE 'photo:%'").fetchall()
        [(file_id,)] = database.execute("SELECT file_id FROM bot_photo_jobs").fetchall()
    assert payload.startswith("gAAAAA") and NAMEPLATE.truth["serial"] not in payload
    assert file_id.startswith("gAAAAA")

    assert await PhotoReader(engine, {chat.name: chat}).run_once() == 1
    assert await PhotoReader(engine, {chat.name: chat}).run_once() == 0
    assert [text[:6] for text in chat.texts()[-2:]] == ["从照片中读到", "什么时候买的"]
    assert sum(text.startswith("从照片中读到") for text in chat.texts()) == 1
    assert await jobs_left(engine) == []


async def test_a_channel_away_for_every_attempt_ends_in_an_honest_message(engine) -> None:
    chat = FileChat(engine, {"f1": ConnectionError("Telegram is away")})
    await chat.registering_with_a_photo()
    reader = PhotoReader(engine, {chat.name: chat}, delays=(0,))
    assert [await reader.run_once() for _ in range(photos.ATTEMPTS)] == [0, 0, 0, 1]
    told, question = chat.shown[-2:]
    assert told.text == "抱歉，照片暂时没能识别。请直接输入，型号在机身铭牌上。"
    assert "pick:product:空调" in [b.data for row in question.buttons for b in row]
    assert await jobs_left(engine) == []


async def test_a_file_that_is_no_photo_is_said_so_at_once(engine) -> None:
    chat = FileChat(engine, {"f1": b"%PDF-1.7 an invoice, but not a photo"})
    await chat.registering_with_a_photo()
    assert await PhotoReader(engine, {chat.name: chat}).run_once() == 1
    assert chat.texts()[-2].startswith("这个文件没法作为照片打开")
    assert await jobs_left(engine) == []


async def test_what_the_customer_gave_is_kept_and_a_future_date_refused(engine) -> None:
    """A reading handed in directly: it fills only what is still empty (a skipped detail
    too), each detail through its slot's own check."""
    chat = FileChat(engine, {})
    await chat.turn(button="menu:register_product")
    await chat.turn(button="pick:product:冰箱")
    await chat.turn(button="skip:brand")
    form = (await engine.store.load(chat.name, chat.chat_id)).form
    read, question = await chat.turn(reading={
        "form_id": form.id, "kind": "invoice", "readable": True, "problem": None,
        "fields": {"category": "空调", "brand": "格力", "model": "KFR-35GW/BP",
                   "purchase_date": "2999-01-01", "purchased_from": "京东自营"}})
    assert read.text.splitlines()[1:] == ["品牌: 格力", "型号: KFR-35GW/BP",
                                          "购买渠道: 京东自营"]
    assert question.text.startswith("机身序列号")  # the first detail still empty
    slots = (await engine.store.load(chat.name, chat.chat_id)).form.slots
    assert slots == {"product": "冰箱", "brand": "格力", "model": "KFR-35GW/BP",
                     "purchased_from": "京东自营"}


async def test_the_photo_read_goes_with_the_registration(engine, backend_url) -> None:
    """The backend's token of the photo rides with the form (never shown) and goes with the
    registration: the product has its photo. A token the backend does not know (a reading
    handed in directly) is sent too and changes nothing."""
    chat = FileChat(engine, {"f1": NAMEPLATE.jpeg})
    await chat.registering_with_a_photo()
    assert await PhotoReader(engine, {chat.name: chat}).run_once() == 1
    form = (await engine.store.load(chat.name, chat.chat_id)).form
    [token] = form.photos
    await chat.turn(reading={"form_id": form.id, "kind": "invoice", "readable": False,
                             "problem": None, "fields": {}, "photo": "x" * 43})
    assert (await engine.store.load(chat.name, chat.chat_id)).form.photos == [token, "x" * 43]
    await chat.turn(button="skip:purchase_date")
    await chat.turn(button="skip:purchased_from")
    assert not [text for text in chat.texts() if token in text]
    [done] = await chat.turn(button="form:submit")
    assert "已为您登记" in done.text
    [product] = await engine.backend.list_products(chat.name, chat.chat_id)
    async with httpx.AsyncClient(base_url=backend_url, timeout=10) as staff:
        mine = await staff.get(f"/api/v1/products/{product['id']}",
                               headers={"Authorization": f"Bearer {DEV_STAFF_TOKEN}"})
    assert [p["kind"] for p in mine.json()["photos"]] == ["nameplate"]


async def test_on_a_channel_whose_photos_are_not_read_a_photo_is_what_it_was(
        engine_chat: EngineChat) -> None:
    await engine_chat.say(ASK_FOR_IT)
    await engine_chat.photo()
    assert engine_chat.text == "已收到您的文件。请用文字描述您需要的服务。"
    now = utcnow()
    assert await engine_chat.engine.store.claim_photo_jobs(["webchat"], now, now) == []
