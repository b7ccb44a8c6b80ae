"""Photos sent in the web chat (bot/channels/webchat_upload.py, the route in
bot/channels/webchat.py): the channel on a real uvicorn server on loopback, posted to by a real
HTTP client while a real WebSocket page of the chat is open, with the real engine, delivery
layer and store on SQLite (NLU and backend unreachable). The photo's way through a
registration, read by the backend, in a real browser: tests/e2e/test_webchat_photo.py."""

from __future__ import annotations

import base64
import io
import secrets
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from starlette.requests import Request

from backend.kernel.clock import running_on, utcnow
from bot import catalogue
from bot.channels.base import FileChannel, FileGone
from bot.channels.webchat_upload import MAX_BYTES, file_id, image_type, read_body
from bot.photos import MAX_PHOTO_BYTES, PhotoReader
from bot.ratelimit import RateLimit
from tests.bot.test_webchat import Server, serving, shown, web  # noqa: F401 (a fixture)

UNSUPPORTED = catalogue.text("en", "attachment.unsupported")
SLOW_DOWN = catalogue.text("en", "ratelimit.slow_down")


def picture(kind: str = "JPEG") -> bytes:
    """A small photo (noise, so its bytes are its own) in `kind`."""
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 48), secrets.token_bytes(64 * 48 * 3)).save(out, kind)
    return out.getvalue()


JPEG = picture()


async def send(web: Server, data: bytes | AsyncIterator[bytes] | None = None,
               frame_id: str | None = None, *, session: str | None = None,
               content_type: str = "image/jpeg") -> httpx.Response:
    """POST a photo as the page does (its frame id: `frame_id`, a new one by default)."""
    params = {"session": session or web.session, "id": frame_id or secrets.token_hex(8),
              "lang": "en"}
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(
            f"http://127.0.0.1:{web.port}/chat/upload", params=params,
            headers={"Content-Type": content_type}, content=JPEG if data is None else data)


def database(web_folder) -> sqlite3.Connection:
    return sqlite3.connect(web_folder / "bot.db")


def stored(folder) -> list[tuple[str, str]]:
    """The web chat's photos in the bot's database as they are there: (id, data)."""
    with database(folder) as db:
        return db.execute("SELECT id, data FROM bot_webchat_files").fetchall()


# ---- the way of a photo ----------------------------------------------------------------------

async def test_a_photo_is_acknowledged_kept_and_answered_on_the_chats_page(web, tmp_path):
    async with web.page() as page:
        answer = await send(web, frame_id="p1")
        assert answer.status_code == 200 and answer.json() == {"ack": "p1"}
        await web.until((0, False))  # handled after the answer, its replies shown
        # A photo outside a form: what the dialogue says to any channel's file.
        assert await shown(page) == [UNSUPPORTED]
    assert await web.channel.fetch_file(file_id(web.chat_id, "p1"), MAX_PHOTO_BYTES) == JPEG


async def test_the_photo_is_encrypted_at_rest(web, tmp_path):
    assert (await send(web, frame_id="p1")).status_code == 200
    [(kept_as, data)] = stored(tmp_path)
    assert kept_as == file_id(web.chat_id, "p1") and web.session not in kept_as
    assert data.startswith("gAAAAA")  # Fernet, under FIELD_ENCRYPTION_KEYS
    for clear in (JPEG[:64].hex(), base64.b64encode(JPEG)[:64].decode()):
        assert clear not in data
    with database(tmp_path) as db:  # nor in the bytes as the database keeps them
        [(raw,)] = db.execute("SELECT CAST(data AS BLOB) FROM bot_webchat_files").fetchall()
    assert JPEG[100:164] not in raw


async def test_the_same_upload_sent_again_is_one_photo_answered_once(web, tmp_path):
    web.engine.gate.clear()  # the first still waits in the inbox when the second comes
    async with web.page() as page:
        assert (await send(web, frame_id="again")).json() == {"ack": "again"}
        assert (await send(web, frame_id="again")).json() == {"ack": "again"}
        web.engine.gate.set()
        await web.until((0, False))
        assert (await send(web, frame_id="again")).json() == {"ack": "again"}  # handled
        assert await shown(page) == [UNSUPPORTED]
    assert len(stored(tmp_path)) == 1


async def test_the_web_chat_is_a_channel_the_photo_reader_fetches_from(web):
    assert isinstance(web.channel, FileChannel) and web.channel.capabilities.photos
    assert PhotoReader(web.engine, {"webchat": web.channel}).channels == {
        "webchat": web.channel}
    with pytest.raises(FileGone):
        await web.channel.fetch_file("no-such-photo", MAX_PHOTO_BYTES)
    assert (await send(web, frame_id="p1")).status_code == 200
    with pytest.raises(FileGone):  # over the reader's limit
        await web.channel.fetch_file(file_id(web.chat_id, "p1"), len(JPEG) - 1)


async def test_a_photo_is_gone_a_day_later_and_deleted_by_the_sweep(web, tmp_path):
    sent = utcnow()
    assert (await send(web, frame_id="p1")).status_code == 200
    kept_as = file_id(web.chat_id, "p1")
    await web.channel.stop()  # the test does the sweeping, on its own clock
    with running_on(lambda: sent + timedelta(hours=23)):
        await web.channel.delivery.sweep_once()
        assert await web.channel.fetch_file(kept_as, MAX_PHOTO_BYTES) == JPEG
    with running_on(lambda: sent + timedelta(hours=24, minutes=1)):
        with pytest.raises(FileGone):  # gone even before the sweep deleted it
            await web.channel.fetch_file(kept_as, MAX_PHOTO_BYTES)
        await web.channel.delivery.sweep_once()
    assert stored(tmp_path) == []


# ---- what is refused ---------------------------------------------------------------------

def test_an_image_is_known_by_its_bytes() -> None:
    for kind, mime in (("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")):
        assert image_type(picture(kind)) == mime
    for other in (b"", b"%PDF-1.7", b"GIF89a....", b"<svg xmlns='http://www.w3.org/2000/svg'>",
                  b"RIFF\x00\x00\x00\x00WAVEfmt ", picture("BMP"), picture("GIF")):
        assert image_type(other) is None


@pytest.mark.parametrize(("body", "content_type"), [
    (b"%PDF-1.7 an invoice, but no photo", "image/jpeg"),  # the header lies
    (picture("GIF"), "image/gif"),
    (JPEG, "text/html"),  # a photo sent as something else
], ids=["pdf-said-jpeg", "gif", "jpeg-said-html"])
async def test_what_is_no_jpeg_png_or_webp_is_refused_and_not_kept(web, tmp_path, body,
                                                                   content_type):
    answer = await send(web, body, content_type=content_type)
    assert answer.status_code == 415 and "error" in answer.json()
    assert stored(tmp_path) == [] and await web.waiting() == (0, False)


async def test_a_photo_over_10_mb_is_refused(web, tmp_path):
    assert MAX_BYTES == 10 * 1024 * 1024
    just = JPEG + b"\0" * (MAX_BYTES - len(JPEG))
    assert (await send(web, just)).status_code == 200  # 10 MB exactly: taken

    async def unsaid(body: bytes):  # chunked: no length said, the bytes count
        for start in range(0, len(body), 65536):
            yield body[start:start + 65536]

    for too_much in (just + b"\0", unsaid(just + b"\0")):
        assert (await send(web, too_much)).status_code == 413
    assert len(stored(tmp_path)) == 1


async def test_a_body_over_10_mb_is_read_no_further() -> None:
    """However much more is coming, the body is read only until it is over the limit."""
    chunk, read = 1024 * 1024, [0]

    async def receive() -> dict:  # an endless body
        read[0] += 1
        return {"type": "http.request", "body": b"\0" * chunk, "more_body": True}

    request = Request({"type": "http", "method": "POST", "headers": []}, receive)
    assert await read_body(request) is None
    assert read[0] == MAX_BYTES // chunk + 1


@pytest.mark.parametrize("query", [
    {"session": "short", "id": "p1"}, {"session": "a" * 65, "id": "p1"},
    {"session": "x" * 22 + "/../", "id": "p1"}, {"id": "p1"},
    {"session": "s" * 22}, {"session": "s" * 22, "id": "a b"}, {"session": "s" * 22, "id": ""},
])
async def test_an_upload_without_a_good_session_or_id_is_refused(web, tmp_path, query):
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(f"http://127.0.0.1:{web.port}/chat/upload", params=query,
                                   content=JPEG, headers={"Content-Type": "image/jpeg"})
    assert answer.status_code == 400
    assert stored(tmp_path) == []


async def test_a_chat_sending_photos_too_fast_is_told_once_then_refused(tmp_path):
    async with serving(tmp_path, messages=RateLimit(per_minute=1, burst=2)) as web:
        async with web.page() as page:
            codes = [(await send(web)).status_code for _ in range(4)]
            assert codes == [200, 200, 429, 429]
            await web.until((0, False))
            assert sorted(await shown(page)) == sorted([UNSUPPORTED, UNSUPPORTED, SLOW_DOWN])
        assert len(stored(tmp_path)) == 2
        other = secrets.token_urlsafe(16)  # another chat is not held up
        assert (await send(web, session=other)).status_code == 200


async def test_an_address_posting_too_many_photos_is_refused(tmp_path):
    async with serving(tmp_path, connections=RateLimit(per_minute=1, burst=3)) as web:
        codes = [(await send(web, session=secrets.token_urlsafe(16))).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert len(stored(tmp_path)) == 3
