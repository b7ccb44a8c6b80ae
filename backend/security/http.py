"""ASGI middleware of the backend: security headers on every response, and rate limits per
client address on sign-ins and on requests without credentials (429 with Retry-After)."""

from __future__ import annotations

import json
import math

from backend.kernel.config import Settings
from backend.kernel.ratelimit import TokenBuckets
from backend.kernel.signing import SIGNATURE_HEADER

SESSION_COOKIE = b"frontdesk_session"
SIGN_INS = frozenset({"/console/login", "/api/v1/auth/token"})
UNLIMITED = frozenset({"/health"})
# The interactive API docs load Swagger UI / ReDoc from a CDN with an inline script.
DOCS = ("/docs", "/redoc")
CONSOLE = "/console"  # sets its own policy (backend/console/router.py)

API_HEADERS = {
    # JSON only: nothing may be loaded, run or framed from an API response.
    b"content-security-policy": b"default-src 'none'; frame-ancestors 'none'",
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
}
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_STORE = (b"cache-control", b"no-store")


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def _has_credentials(scope) -> bool:
    cookie = _header(scope, b"cookie") or b""
    return (_header(scope, b"authorization") is not None
            or _header(scope, SIGNATURE_HEADER.lower().encode()) is not None
            or SESSION_COOKIE + b"=" in cookie)


class SecurityHeaders:
    """On every HTTP response (one that sets a header itself keeps its own): no sniffing, no
    framing, no referrer; a CSP that allows nothing on API responses (the console and the
    docs pages have their own); `Cache-Control: no-store` on answers to requests with
    credentials; HSTS when the request came over https (behind a proxy: uvicorn
    --proxy-headers)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        extra = dict(API_HEADERS)
        if path == CONSOLE or path.startswith(f"{CONSOLE}/") or path.startswith(DOCS):
            del extra[b"content-security-policy"]
        if _has_credentials(scope):
            extra[NO_STORE[0]] = NO_STORE[1]
        if scope.get("scheme") == "https":
            extra[HSTS[0]] = HSTS[1]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra.items()
                            if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimit:
    """Requests per client address and minute: sign-ins (RATE_LIMIT_LOGIN_PER_MINUTE) and
    requests without credentials (RATE_LIMIT_PUBLIC_PER_MINUTE). Requests with credentials
    are not counted here (the bot's calls carry every customer's traffic; staff are signed
    in); /health is never limited."""

    def __init__(self, app, *, settings: Settings) -> None:
        self.app = app
        self.enabled = settings.rate_limit_enabled
        self.sign_ins = TokenBuckets(per_minute=settings.rate_limit_login_per_minute)
        self.public = TokenBuckets(per_minute=settings.rate_limit_public_per_minute)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not self.enabled:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        address = (scope.get("client") or ("unknown",))[0]
        if scope.get("method") == "POST" and path in SIGN_INS:
            wait = self.sign_ins.take(address)
        elif path not in UNLIMITED and not _has_credentials(scope):
            wait = self.public.take(address)
        else:
            wait = 0.0
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        body = json.dumps({"detail": f"too many requests: try again in {retry_after} s"})
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode()),
        ]})
        await send({"type": "http.response.body", "body": body.encode()})
