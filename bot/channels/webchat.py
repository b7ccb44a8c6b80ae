"""Web chat: customers without Telegram talk to the same dialogue engine in a browser.

The page (`GET /chat`) opens a WebSocket (`/chat/ws?session=<id>`). The session id is a
random 128-bit value the browser keeps in localStorage: it is the chat's identity, so only
that browser sees its tickets. Frames, both ways, are JSON:

    browser → bot   {"id": "<unique>", "text": "..."}  or  {"id": "<unique>", "button": "<data>"}
    bot → browser   {"ack": "<id>"}  once the frame is in the bot's inbox
                    {"text": "...", "buttons": [[{"label": "...", "data": "..."}]]}
                    {"error": "..."}  for a frame that is not a message (or was not stored)

It sits on the same delivery layer as Telegram (bot/channels/delivery.py). A frame is stored
in the bot's inbox before it is acknowledged and handled; a frame sent again with the same id
(after a reconnect) is handled once. A socket's frames are handled one at a time, in order,
before its next frame is read. Replies, and pushes, go to the chat's outbox and are shown on
every open page of the chat (several tabs of one browser are one chat); a reply counts as
shown, and leaves the outbox, once it was handed to at least one open socket. A reply whose
page closed before it could be shown, or a push while no page is open, waits in the outbox
and is shown when a page of the chat connects. A push is always accepted: with several bot
processes, the one holding the chat's socket shows it at its next sweep.

A photo is posted to `POST /chat/upload?session=<id>&id=<unique>` with the image's bytes as
the body (bot/channels/webchat_upload.py: at most 10 MB, a JPEG, PNG or WebP by its bytes),
kept encrypted in the bot's database, and goes through the delivery layer as a frame with the
photo attached: in the inbox before the answer, `200 {"ack": "<id>"}`, the same id sent again
handled once; the bot's answers come on the chat's sockets. Refused: 400 (no session or id),
413 (too large), 415 (no such image), 429 (too fast), 503 (not stored: send it again). The
channel fetches the photo for the photo reader (bot/photos.py) like Telegram's getFile, and its
sweep deletes the photos a day old.

A chat that floods gets one "please slow down" and its further frames (and photos: 429) are
dropped until its bucket refills; an address opening too many connections, or posting too
many photos, is turned away (close code 1013, or 429).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.channels import webchat_upload as upload
from bot.channels.base import Capabilities
from bot.channels.delivery import Delivery, Unreachable
from bot.channels.webchat_upload import WebChatFiles
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from bot.dialogue.types import Attachment, InboundMessage, Reply
from bot.ratelimit import RateLimit, Verdict

log = logging.getLogger(__name__)

PAGE = Path(__file__).resolve().parent.parent / "web" / "chat.html"
SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# An upload's frame id (the page's ids are shorter).
FRAME_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
MAX_FRAME = 8192


class WebChatChannel:
    name = "webchat"
    # The page shows buttons and uploads photos; it never changes a message once shown.
    capabilities = Capabilities(buttons=True, photos=True, edits=False, fetch_files=True)

    def __init__(self, engine: DialogueEngine, store: ConversationStore, *,
                 files: WebChatFiles, messages: RateLimit, connections: RateLimit,
                 sweep_seconds: float = 5.0) -> None:
        """`files`: where the photos customers send are kept; `messages`: flood control per
        chat; `connections`: new connections and uploads per client address
        (bot/ratelimit.py)."""
        self.files = files
        self._connections = connections
        self._sockets: dict[str, set[WebSocket]] = {}
        self.delivery = Delivery(self.name, engine=engine, store=store, show=self._show,
                                 reachable=self._sockets.__contains__, limit=messages,
                                 sweep_seconds=sweep_seconds, upkeep=files.purge)

    async def start(self) -> None:
        await self.delivery.start()

    async def stop(self) -> None:
        await self.delivery.stop()

    def routes(self) -> list[BaseRoute]:
        return [Route("/chat", self._page), WebSocketRoute("/chat/ws", self._socket),
                Route("/chat/upload", self._upload, methods=["POST"])]

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        return await self.delivery.send(chat_id, replies, event_id=event_id)

    async def fetch_file(self, file_id: str, limit: int) -> bytes:
        """A photo the customer sent (FileGone: deleted, a day old, over `limit` bytes)."""
        return await self.files.fetch(file_id, limit)

    async def _show(self, chat_id: str, reply: Reply) -> None:
        """Hand the reply to every open page of the chat; Unreachable when none took it."""
        frame, shown = _frame(reply), False
        for socket in list(self._sockets.get(chat_id, ())):
            try:
                await socket.send_json(frame)
                shown = True
            except Exception:  # closed under us: that page is gone
                self._forget(chat_id, socket)
        if not shown:
            raise Unreachable(chat_id)

    def _forget(self, chat_id: str, socket: WebSocket) -> None:
        sockets = self._sockets.get(chat_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self._sockets[chat_id]

    async def _page(self, request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.read_text(encoding="utf-8"), headers={
            # blob: for the thumbnail of a photo being sent (made in the page).
            "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; "
                                       "script-src 'unsafe-inline'; connect-src 'self'; "
                                       "img-src 'self' blob:",
            "X-Content-Type-Options": "nosniff",
        })

    async def _socket(self, socket: WebSocket) -> None:
        session = socket.query_params.get("session", "")
        if not SESSION.match(session):
            await socket.close(code=1008)
            return
        if self._connections.allow(_address(socket)) is not Verdict.allow:
            await socket.close(code=1013)  # try again later
            return
        await socket.accept()
        chat_id = f"web-{session}"
        locale = socket.query_params.get("lang")
        self._sockets.setdefault(chat_id, set()).add(socket)
        try:
            await self.delivery.flush(chat_id)  # what waited for a page of this chat
            while True:
                await self._frame_in(socket, chat_id, await socket.receive_text(), locale)
        except WebSocketDisconnect:
            pass
        except Exception as exc:  # the socket broke under a send: the page is gone
            log.info("web chat socket ended: %s", type(exc).__name__)
        finally:
            self._forget(chat_id, socket)

    async def _frame_in(self, socket: WebSocket, chat_id: str, raw: str,
                        locale: str | None) -> None:
        """One frame: stored, acknowledged, then handled (its replies shown) before the
        socket's next frame is read."""
        read = _inbound(raw, chat_id, locale)
        if read is None:
            await socket.send_json({"error": "malformed frame"})
            return
        message, frame_id = read
        try:
            pending = await self.delivery.receive(message)
        except Exception as exc:  # the database away: not acknowledged, to be sent again
            log.warning("web chat frame not stored: %s", type(exc).__name__)
            await socket.send_json({"error": "not stored, send it again", "id": frame_id})
            return
        try:
            if frame_id is not None:
                await socket.send_json({"ack": frame_id})
        finally:  # handled even if the page closed right after sending it
            if pending:
                await self.delivery.handle(chat_id)

    async def _upload(self, request: Request) -> JSONResponse:
        """A photo: checked, kept, stored in the inbox as a frame with the photo attached,
        acknowledged, then handled (its answers shown on the chat's sockets)."""
        session = request.query_params.get("session", "")
        frame_id = request.query_params.get("id", "")
        if not (SESSION.match(session) and FRAME_ID.match(frame_id)):
            return _refused(400, "no session or id")
        if self._connections.allow(_address(request)) is not Verdict.allow:
            return _refused(429, "too many uploads, try again later")
        if upload.too_large(request):
            return _refused(413, "the photo is larger than 10 MB")
        if not upload.may_be_image(request):
            return _refused(415, "not a JPEG, PNG or WebP image")
        chat_id = f"web-{session}"
        stored_as = upload.file_id(chat_id, frame_id)
        message = InboundMessage(
            channel=self.name, chat_id=chat_id, update_id=_update_id(chat_id, frame_id),
            locale_hint=request.query_params.get("lang"),
            attachments=(Attachment("photo", stored_as),))
        verdict = await self.delivery.admit(message)
        if verdict is not Verdict.allow:
            if verdict is Verdict.slow_down:
                await self.delivery.flush(chat_id)  # its "please slow down"
            return _refused(429, "too fast, slow down")
        data = await upload.read_body(request)
        if data is None:
            return _refused(413, "the photo is larger than 10 MB")
        if upload.image_type(data) is None:
            return _refused(415, "not a JPEG, PNG or WebP image")
        try:
            await self.files.keep(stored_as, chat_id, data)
            await self.delivery.receive(message, limited=False)
        except Exception as exc:  # the database away: not acknowledged, to be sent again
            log.warning("web chat photo not stored: %s", type(exc).__name__)
            return _refused(503, "not stored, send it again")
        self.delivery.handle_soon(chat_id)
        return JSONResponse({"ack": frame_id})


def _address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def _refused(status: int, why: str) -> JSONResponse:
    return JSONResponse({"error": why}, status_code=status)


def _update_id(chat_id: str, frame_id: str | int) -> str:
    """A frame's update id, scoped to the chat: one browser cannot mark another's messages as
    seen."""
    return f"{chat_id[4:28]}:{str(frame_id)[:36]}"


def _frame(reply: Reply) -> dict:
    return {"text": reply.text,
            "buttons": [[{"label": b.label, "data": b.data} for b in row]
                        for row in reply.buttons]}


def _inbound(raw: str, chat_id: str, locale: str | None
             ) -> tuple[InboundMessage, str | int | None] | None:
    """The message in a frame, and the frame's id as the browser sent it (for the ack)."""
    if len(raw) > MAX_FRAME:
        return None
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(frame, dict):
        return None
    text, button, frame_id = frame.get("text"), frame.get("button"), frame.get("id")
    if not (isinstance(text, str) or isinstance(button, str)):
        return None
    if not isinstance(frame_id, str | int):
        frame_id = None
    return InboundMessage(
        channel="webchat", chat_id=chat_id,
        # A frame without an id gets a fresh one in the inbox (never taken for a repeat).
        update_id=_update_id(chat_id, frame_id) if frame_id is not None else None,
        text=text if isinstance(text, str) else None,
        button=button if isinstance(button, str) else None, locale_hint=locale,
    ), frame_id
