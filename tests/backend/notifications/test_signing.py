"""Signatures of internal calls (pushes, the bot's API calls): pure functions shared with the
bot."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from backend.kernel.signing import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    request_target,
    sign,
    signed_headers,
    verify,
)

SECRET = "s3cret"
BODY = '{"event_id":"e1","status":"assigned","note":"师傅"}'.encode()
NOW = 1_764_000_000
PUSH = {"method": "POST", "target": "/internal/push"}


def headers(**changes) -> dict[str, str]:
    return {**signed_headers(SECRET, BODY, now=NOW), **changes}


def test_signature_is_hmac_sha256_of_timestamp_nonce_method_target_and_body() -> None:
    message = b"1764000000\nnonce-0123456789ab\nPOST\n/api/v1/tickets?a=1\n" + BODY
    expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    assert sign(SECRET, timestamp=NOW, nonce="nonce-0123456789ab", method="post",
                target="/api/v1/tickets?a=1", body=BODY) == expected


def test_a_fresh_signature_passes_and_names_its_nonce_and_expiry() -> None:
    signed_now = headers()
    signed = verify(SECRET, signed_now, body=BODY, now=NOW + 10, **PUSH)
    assert signed is not None
    assert signed.nonce == signed_now[NONCE_HEADER] and signed.expires_at == NOW + 300
    upper = {**signed_now, SIGNATURE_HEADER: signed_now[SIGNATURE_HEADER].upper()}
    assert verify(SECRET, upper, body=BODY, now=NOW, **PUSH) is not None


def test_every_request_gets_its_own_nonce() -> None:
    nonces = {signed_headers(SECRET, BODY)[NONCE_HEADER] for _ in range(50)}
    assert len(nonces) == 50


@pytest.mark.parametrize("change", [
    {"body": BODY + b" "},
    {"secret": "other"},
    {"method": "GET"},
    {"target": "/internal/push?x=1"},
    {"target": "/api/v1/tickets"},
])
def test_tampering_with_anything_signed_or_the_wrong_secret_fails(change) -> None:
    call = {"secret": SECRET, "body": BODY, **PUSH, **change}
    assert verify(call.pop("secret"), headers(), now=NOW, **call) is None


def test_a_changed_timestamp_or_nonce_fails() -> None:
    assert verify(SECRET, headers(**{TIMESTAMP_HEADER: str(NOW + 1)}), body=BODY, now=NOW,
                  **PUSH) is None
    assert verify(SECRET, headers(**{NONCE_HEADER: "another-nonce-12345678"}), body=BODY,
                  now=NOW, **PUSH) is None


def test_old_and_future_timestamps_are_stale() -> None:
    signed = headers()
    assert verify(SECRET, signed, body=BODY, now=NOW + 300, **PUSH) is not None
    assert verify(SECRET, signed, body=BODY, now=NOW + 301, **PUSH) is None
    assert verify(SECRET, signed, body=BODY, now=NOW - 301, **PUSH) is None
    assert verify(SECRET, signed, body=BODY, max_age_seconds=1000, now=NOW + 900,
                  **PUSH) is not None


@pytest.mark.parametrize("broken", [
    {TIMESTAMP_HEADER: ""}, {TIMESTAMP_HEADER: "abc"}, {TIMESTAMP_HEADER: "1e9"},
    {TIMESTAMP_HEADER: "-1764000000"}, {NONCE_HEADER: ""}, {NONCE_HEADER: "short"},
    {NONCE_HEADER: "ü" * 20}, {NONCE_HEADER: "x" * 65}, {SIGNATURE_HEADER: ""},
    {SIGNATURE_HEADER: "00"}, {SIGNATURE_HEADER: "ü" * 64},
])
def test_garbage_is_refused_without_raising(broken) -> None:
    assert verify(SECRET, headers(**broken), body=BODY, now=NOW, **PUSH) is None


def test_no_headers_or_no_secret_fails() -> None:
    assert verify(SECRET, {}, body=BODY, now=NOW, **PUSH) is None
    unsigned = signed_headers("", BODY, now=NOW)
    assert verify("", unsigned, body=BODY, now=NOW, **PUSH) is None


def test_the_target_is_the_path_and_the_query_as_sent() -> None:
    assert request_target("/api/v1/knowledge/answer", b"") == "/api/v1/knowledge/answer"
    assert (request_target("/a", b"text=%E4%BF%9D&x=1") == "/a?text=%E4%BF%9D&x=1"
            == request_target("/a", "text=%E4%BF%9D&x=1"))
