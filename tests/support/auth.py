"""Calling the backend as the bot in tests: requests signed with the internal secret, as
bot/backend_client.py signs them (the backend takes nothing else from the bot)."""

from __future__ import annotations

import httpx

from bot.backend_client import SignedRequests

# A test marks a request as the bot's with this header; CallerAuth signs it and drops the mark.
BOT_MARK = "X-Test-Caller"


class CallerAuth(httpx.Auth):
    """httpx auth for a test client that calls as staff (their own headers) or as the bot."""

    requires_request_body = True

    def __init__(self, internal_secret: str) -> None:
        self._bot = SignedRequests(internal_secret)

    def auth_flow(self, request: httpx.Request):
        if request.headers.pop(BOT_MARK, None) == "bot":
            yield from self._bot.auth_flow(request)
        else:
            yield request
