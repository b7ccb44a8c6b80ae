"""Push signatures: pure functions shared with the bot."""

from __future__ import annotations

import hashlib
import hmac

from backend.notifications.signing import sign, signed_headers, verify

SECRET = "s3cret"
BODY = '{"event_id":"e1","status":"assigned","note":"师傅"}'.encode()
NOW = 1_764_000_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1764000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == expected
    assert sign(SECRET, str(NOW), BODY) == expected


def test_verify_accepts_a_fresh_signature() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert verify(SECRET, str(NOW), BODY, signature, now=NOW + 10)
    assert verify(SECRET, NOW, BODY, signature.upper(), now=NOW)
    headers = signed_headers(SECRET, BODY)
    assert verify(SECRET, headers["X-Frontdesk-Timestamp"], BODY,
                  headers["X-Frontdesk-Signature"])


def test_verify_refuses_tampering_and_the_wrong_secret() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert not verify(SECRET, NOW, BODY + b" ", signature, now=NOW)
    assert not verify("other", NOW, BODY, signature, now=NOW)
    assert not verify(SECRET, NOW + 1, BODY, signature, now=NOW)


def test_verify_refuses_old_and_future_timestamps() -> None:
    signature = sign(SECRET, NOW, BODY)
    assert verify(SECRET, NOW, BODY, signature, now=NOW + 300)
    assert not verify(SECRET, NOW, BODY, signature, now=NOW + 301)
    assert not verify(SECRET, NOW, BODY, signature, now=NOW - 301)
    assert verify(SECRET, NOW, BODY, signature, max_age_seconds=1000, now=NOW + 900)


def test_verify_refuses_garbage_without_raising() -> None:
    signature = sign(SECRET, NOW, BODY)
    for timestamp, sig in [("", signature), (None, signature), ("abc", signature),
                           (str(NOW), ""), (str(NOW), None), (str(NOW), "ü" * 64),
                           (str(NOW), "00"), ("1e9", signature)]:
        assert not verify(SECRET, timestamp, BODY, sig, now=NOW)
    assert not verify("", NOW, BODY, sign("", NOW, BODY), now=NOW)
