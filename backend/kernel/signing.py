"""Signatures of the internal calls between backend and bot, both ways: the backend's pushes to
the bot and the bot's calls to the backend API. Pure functions: the bot imports them too.

    X-Frontdesk-Timestamp: 1764000000
    X-Frontdesk-Nonce: 3q2-7wE…            (16-64 of [A-Za-z0-9_-], random per request)
    X-Frontdesk-Signature: hex(HMAC-SHA256(secret,
        b"1764000000\\n<nonce>\\nPOST\\n/api/v1/tickets?x=1\\n" + body))

The secret itself never travels. Method, target (path and query), timestamp and nonce are
signed with the body, so nothing of a request can be changed. A signature whose timestamp is
more than `MAX_AGE_SECONDS` away from now is refused (stale); within that window the receiver
remembers each nonce (`expires_at`) and refuses it a second time (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

TIMESTAMP_HEADER = "X-Frontdesk-Timestamp"
NONCE_HEADER = "X-Frontdesk-Nonce"
SIGNATURE_HEADER = "X-Frontdesk-Signature"
MAX_AGE_SECONDS = 300
PUSH_METHOD, PUSH_TARGET = "POST", "/internal/push"
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def sign(secret: str, *, timestamp: int | str, nonce: str, method: str, target: str,
         body: bytes) -> str:
    message = f"{timestamp}\n{nonce}\n{method.upper()}\n{target}\n".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, method: str = PUSH_METHOD,
                   target: str = PUSH_TARGET, now: float | None = None) -> dict[str, str]:
    """The three headers of a signed request (a push unless method and target say otherwise),
    with a fresh nonce."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_urlsafe(18)
    return {TIMESTAMP_HEADER: timestamp, NONCE_HEADER: nonce,
            SIGNATURE_HEADER: sign(secret, timestamp=timestamp, nonce=nonce, method=method,
                                   target=target, body=body)}


@dataclass(frozen=True)
class Signed:
    """A request whose signature checked out: its nonce, to be remembered until
    `expires_at` (epoch seconds) and refused again until then."""

    nonce: str
    expires_at: int


def verify(secret: str, headers: Mapping[str, str], *, method: str, target: str, body: bytes,
           max_age_seconds: int = MAX_AGE_SECONDS, now: float | None = None) -> Signed | None:
    """The request's nonce if `headers` carry this secret's signature of the request, made
    within `max_age_seconds` of now; None otherwise (never raises on garbage). The caller
    still has to check that the nonce was not used before."""
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    nonce = (headers.get(NONCE_HEADER) or "").strip()
    signature = (headers.get(SIGNATURE_HEADER) or "").strip().lower()
    if not secret or not signature or not NONCE.match(nonce) or not timestamp.isdigit():
        return None
    stamp = int(timestamp)
    now = time.time() if now is None else now
    if abs(now - stamp) > max_age_seconds:
        return None
    expected = sign(secret, timestamp=timestamp, nonce=nonce, method=method, target=target,
                    body=body)
    if not hmac.compare_digest(expected.encode("ascii"),
                               signature.encode("utf-8", "replace")):
        return None
    return Signed(nonce=nonce, expires_at=stamp + max_age_seconds)


def request_target(path: str, query: str | bytes) -> str:
    """What is signed of a request's URL: the (decoded) path, and the query as sent."""
    if isinstance(query, bytes):
        query = query.decode("latin-1")
    return f"{path}?{query}" if query else path
