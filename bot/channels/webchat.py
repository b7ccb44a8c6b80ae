"""Web chat: customers without Telegram talk to the same dialogue engine in a browser.

The page (`GET /chat`) opens a WebSocket (`/chat/ws?session=<id>`). The session id is a
random 128-bit value the browser keeps in localStorage: it is the chat's identity, so only
that browser sees its tickets. Frames, both ways, are JSON:

    browser → bot   {"id": "<unique>", "text": "..."}  or  {"id": "<unique>", "button": "<data>"}
    bot → browser   {"text": "...", "buttons": [[{"label": "...", "data": "..."}]]}

A status update pushed while the customer's page is closed is refused (503), so the backend
keeps it and delivers it when the page is open again. A chat that floods gets one "please slow
down" and its further frames are dropped until its bucket refills; an address opening too
many connections is turned away (close code 1013).
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.dialogue.engine import DialogueEngine
from bot.dialogue.types import InboundMessage, Reply
from bot.ratelimit import RateLimit, Verdict, slow_down_reply

log = logging.getLogger(__name__)

PAGE = Path(__file__).resolve().parent.parent / "web" / "chat.html"
SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_FRAME = 8192


class CustomerOffline(Exception):
    """No page of this chat is open: the push must wait."""


class WebChatChannel:
    name = "webchat"

    def __init__(self, engine: DialogueEngine, *, messages: RateLimit,
                 connections: RateLimit) -> None:
        """`messages`: flood control per chat; `connections`: new connections per client
        address (bot/ratelimit.py)."""
        self.engine = engine
        self._messages, self._connections = messages, connections
        self._sockets: defaultdict[str, set[WebSocket]] = defaultdict(set)

    def routes(self) -> list:
        return [Route("/chat", self._page), WebSocketRoute("/chat/ws", self._socket)]

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        sockets = list(self._sockets.get(chat_id, ()))
        if not sockets:
            raise CustomerOffline(chat_id)
        for socket in sockets:
            for reply in replies:
                await socket.send_json(_frame(reply))

    async def _page(self, request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.read_text(encoding="utf-8"), headers={
            "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; "
                                       "script-src 'unsafe-inline'; connect-src 'self'",
            "X-Content-Type-Options": "nosniff",
        })

    async def _socket(self, socket: WebSocket) -> None:
        session = socket.query_params.get("session", "")
        if not SESSION.match(session):
            await socket.close(code=1008)
            return
        address = socket.client.host if socket.client else "unknown"
        if self._connections.allow(address) is not Verdict.allow:
            await socket.close(code=1013)  # try again later
            return
        await socket.accept()
        chat_id = f"web-{session}"
        locale = socket.query_params.get("lang")
        self._sockets[chat_id].add(socket)
        try:
            while True:
                raw = await socket.receive_text()
                message = _inbound(raw, chat_id, locale)
                if message is None:
                    await socket.send_json({"error": "malformed frame"})
                    continue
                verdict = self._messages.allow(chat_id)
                if verdict is Verdict.slow_down:
                    await socket.send_json(_frame(slow_down_reply(message)))
                if verdict is not Verdict.allow:
                    continue
                for reply in await self.engine.handle(message):
                    await socket.send_json(_frame(reply))
        except WebSocketDisconnect:
            pass
        finally:
            self._sockets[chat_id].discard(socket)
            if not self._sockets[chat_id]:
                del self._sockets[chat_id]


def _frame(reply: Reply) -> dict:
    return {"text": reply.text,
            "buttons": [[{"label": b.label, "data": b.data} for b in row]
                        for row in reply.buttons]}


def _inbound(raw: str, chat_id: str, locale: str | None) -> InboundMessage | None:
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
    return InboundMessage(
        channel="webchat", chat_id=chat_id,
        # Scoped to the chat: one browser cannot mark another's messages as seen.
        update_id=f"{chat_id[4:28]}:{str(frame_id)[:36]}" if isinstance(frame_id, str | int)
        else None,
        text=text if isinstance(text, str) else None,
        button=button if isinstance(button, str) else None, locale_hint=locale,
    )
