"""Photos sent in the web chat: what the upload route (bot/channels/webchat.py) needs beside the
channel itself.

The page posts the image's bytes to `POST /chat/upload?session=<id>&id=<frame id>`. The body
is read up to `MAX_BYTES` and no further (413 beyond), and must be a JPEG, PNG or WebP by its
first bytes, whatever the request says it is (415 otherwise). The photo is kept in the bot's
database (`bot_webchat_files`), encrypted with FIELD_ENCRYPTION_KEYS like everything else the
customers sent, under an id derived from the chat and the frame id (opaque: the session id
behind it is the chat's secret), so the same upload sent again is one file. The photo reader
(bot/photos.py) fetches it from there; the channel's sweep deletes what is a day old
(`KEEP_FOR`).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request

from backend.kernel.clock import utcnow
from backend.kernel.database import rowcount
from bot.channels.base import FileGone
from bot.photos import MAX_PHOTO_BYTES
from bot.storage.database import BotStorage
from bot.storage.models import WebChatFileRow

# The most the backend reads (bot/photos.py): the page checks it too, before it sends.
MAX_BYTES = MAX_PHOTO_BYTES
# How long a photo is kept: long enough to be read (the reader's last attempt comes minutes
# after it was sent), short enough that nobody's invoice lies around.
KEEP_FOR = timedelta(hours=24)


def image_type(data: bytes) -> str | None:
    """The image's type by its first bytes (its magic number): JPEG, PNG or WebP; None for
    anything else, whatever it is called."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def file_id(chat_id: str, frame_id: str) -> str:
    """The stored photo's id: the same for the same upload (a page sending it again)."""
    return hashlib.sha256(f"webchat\n{chat_id}\n{frame_id}".encode()).hexdigest()[:40]


def too_large(request: Request) -> bool:
    """The request says its body is larger than `MAX_BYTES` (or says it unreadably)."""
    length = request.headers.get("content-length")
    return length is not None and (not length.isdigit() or int(length) > MAX_BYTES)


def may_be_image(request: Request) -> bool:
    """The request does not say it is something else than an image (its bytes decide)."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return declared in ("", "application/octet-stream") or declared.startswith("image/")


async def read_body(request: Request) -> bytes | None:
    """The request's body; None as soon as it is over `MAX_BYTES` (the rest is not read)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class WebChatFiles:
    """The web chat's photos, on the bot's database: a `BotStorage` shared with the other
    stores, or a URL (a storage of its own, closed by `close()`)."""

    def __init__(self, storage: BotStorage | str) -> None:
        self._owns_storage = isinstance(storage, str)
        self._storage = BotStorage(storage) if isinstance(storage, str) else storage
        self._sessions = self._storage.sessions

    async def close(self) -> None:
        if self._owns_storage:
            await self._storage.close()

    async def keep(self, file_id: str, chat_id: str, data: bytes) -> None:
        """Store a photo; one stored before under the same id (the same upload) stays."""
        async with self._sessions() as session:
            if await session.get(WebChatFileRow, file_id) is not None:
                return
            session.add(WebChatFileRow(id=file_id, chat_id=chat_id, data=data))
            try:
                await session.commit()
            except IntegrityError:  # the same upload, stored by another request just now
                await session.rollback()

    async def fetch(self, file_id: str, limit: int) -> bytes:
        """The photo's bytes; FileGone when there is none (deleted, a day old, unknown, no
        configured key reads it) or it is over `limit` bytes."""
        async with self._sessions() as session:
            stored = (await session.execute(select(WebChatFileRow.data).where(
                WebChatFileRow.id == file_id,
                WebChatFileRow.created_at >= utcnow() - KEEP_FOR))).scalar_one_or_none()
        if stored is None:
            raise FileGone("the web chat has no such photo (any more)")
        if len(stored) > limit:
            raise FileGone("the file is too large")
        return stored

    async def purge(self) -> int:
        """Delete the photos older than `KEEP_FOR`; how many."""
        async with self._sessions() as session:
            gone = await session.execute(delete(WebChatFileRow).where(
                WebChatFileRow.created_at < utcnow() - KEEP_FOR))
            await session.commit()
        return rowcount(gone)
