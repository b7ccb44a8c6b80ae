"""Signatures of the backend's pushes to the bot. Pure functions: the bot imports `verify`.

    X-Frontdesk-Timestamp: 1764000000
    X-Frontdesk-Signature: hex(HMAC-SHA256(secret, b"1764000000." + body))

The timestamp is signed with the body, and a signature older (or newer) than `max_age_seconds`
is refused, so a captured push cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Frontdesk-Timestamp"
SIGNATURE_HEADER = "X-Frontdesk-Signature"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: int | str | None, body: bytes, signature: str | None,
           max_age_seconds: int = 300, *, now: float | None = None) -> bool:
    """Whether `signature` is this secret's signature of `body` at `timestamp`, and the
    timestamp is within `max_age_seconds` of now."""
    if not secret or not timestamp or not signature:
        return False
    timestamp = str(timestamp).strip()
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - stamp) > max_age_seconds:
        return False
    expected = sign(secret, timestamp, body).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8", "replace"))


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}
