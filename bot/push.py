"""Receives the backend's pushes (ticket status changes) and shows them in the customer's chat.

The backend's outbox dispatcher POSTs each event, signed with the shared internal secret
(a stale signature or a replayed nonce is refused: bot/nonces.py). The channel takes the
rendered replies into its outbox (bot/channels/delivery.py) and shows them as soon as the chat
can be reached: at once in Telegram, on the next page connect in a web chat whose page is
closed. So a push is accepted whether or not the customer is there; 503 (the backend tries
again later) only when the bot cannot keep it (its database away) or does not serve the
channel. An event is shown once: its id is remembered once the channel has it, so a re-sent
push (the backend retries until it gets a 2xx) is acknowledged without showing it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.channels.base import Channel
from bot.dialogue.engine import DialogueEngine
from bot.nonces import NonceStore

log = logging.getLogger(__name__)


def push_routes(*, secret: str, engine: DialogueEngine, channels: dict[str, Channel],
                nonces: NonceStore) -> list[Route]:
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def push(request: Request) -> JSONResponse:
        body = await request.body()
        if (refusal := await nonces.check_push(secret, request.headers, body)) is not None:
            return JSONResponse({"detail": refusal.detail}, status_code=refusal.status)
        try:
            event = json.loads(body)
            event_id, channel_name = str(event["event_id"]), event["channel"]
            chat_id = str(event["chat_id"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"detail": "malformed event"}, status_code=422)
        channel = channels.get(channel_name)
        if channel is None:
            return JSONResponse({"detail": f"channel {channel_name} not served here"},
                                status_code=503)
        async with locks[event_id]:
            if await engine.store.event_delivered(event_id):
                return JSONResponse({"status": "duplicate"})
            try:
                # Its replies and its id saved in one transaction: shown once, kill or not.
                if not await channel.send(chat_id, await engine.render_push(event),
                                          event_id=event_id):
                    return JSONResponse({"status": "duplicate"})
            except Exception as exc:  # the channel could not keep it: the backend retries
                log.warning("push %s not delivered: %s", event_id, type(exc).__name__)
                return JSONResponse({"detail": "channel unavailable"}, status_code=503)
        log.info("push %s delivered", event_id)
        return JSONResponse({"status": "delivered"})

    return [Route("/internal/push", push, methods=["POST"])]
