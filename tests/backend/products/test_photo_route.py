"""The bot has a customer's photo read (POST /api/v1/customers/{channel}/{chat_id}/photos/read,
backend/products/photos/router.py), on SQLite and PostgreSQL: a generated nameplate and
invoice read with the real offline reader (nothing of them logged), a file that is no image
refused with its reason (422), one over 10 MB refused before it is read (413), a call without
the bot's signature refused (401), and the event loop free while a photo is being read."""

from __future__ import annotations

import asyncio
import logging
import threading

import httpx
import pytest

from backend.products.photos import router as photo_router
from tests.backend.conftest import SERVICE_HEADERS
from tests.backend.products.photos.generate import font_path, sample

pytestmark = pytest.mark.skipif(
    font_path() is None,
    reason="no CJK font to draw the photos: install Debian's fonts-noto-cjk (CI does)")

READ = "/api/v1/customers/telegram/42/photos/read"
OCTETS = {"Content-Type": "application/octet-stream"}


async def read(client: httpx.AsyncClient, body: bytes, **headers: str) -> httpx.Response:
    return await client.post(READ, content=body, headers={**OCTETS, **headers})


async def test_a_nameplate_is_read_and_nothing_of_it_logged(client, caplog) -> None:
    photo = sample("nameplate", "hans", 1)
    with caplog.at_level(logging.DEBUG):
        answer = await read(client, photo.jpeg, **SERVICE_HEADERS)
    assert answer.status_code == 200, answer.text
    reading = answer.json()
    assert (reading["kind"], reading["readable"]) == ("nameplate", True)
    truth = {name: str(value) for name, value in photo.truth.items()}
    assert reading["fields"] == truth
    logged = caplog.text
    assert not [value for value in truth.values() if value in logged], logged


async def test_an_invoice_gives_its_purchase_date_as_iso_text(client) -> None:
    photo = sample("invoice", "vat", 0)
    answer = await read(client, photo.jpeg, **SERVICE_HEADERS)
    assert answer.status_code == 200, answer.text
    fields = answer.json()["fields"]
    assert fields["purchase_date"] == photo.truth["purchase_date"].isoformat()
    assert fields["purchased_from"] == photo.truth["purchased_from"]


async def test_a_file_that_is_no_image_is_refused_with_the_reason(client) -> None:
    answer = await read(client, b"%PDF-1.7 not a photo at all", **SERVICE_HEADERS)
    assert answer.status_code == 422
    assert answer.json() == {"detail": "the file is not an image we can read"}
    empty = await read(client, b"", **SERVICE_HEADERS)
    assert (empty.status_code, empty.json()) == (422, {"detail": "the file is empty"})


async def test_a_file_over_10_mb_is_refused_before_it_is_read(client, monkeypatch) -> None:
    monkeypatch.setattr(photo_router, "read_photo", _never)
    answer = await read(client, b"\xff" * (10 * 1024 * 1024 + 1), **SERVICE_HEADERS)
    assert answer.status_code == 413 and "10 MB" in answer.json()["detail"]


async def test_a_call_without_the_bots_signature_is_refused(client, monkeypatch) -> None:
    monkeypatch.setattr(photo_router, "read_photo", _never)
    photo = sample("nameplate", "hans", 1).jpeg
    assert (await read(client, photo)).status_code == 401
    staff = await read(client, photo, Authorization="Bearer test-staff-token")
    assert staff.status_code == 401


async def test_other_requests_are_answered_while_a_photo_is_read(client, monkeypatch) -> None:
    """The reading holds its thread until the test lets it go, which the test can do only if
    the event loop is free meanwhile (a reading on the loop would wait 5 s and say so)."""
    started, release, let_go = threading.Event(), threading.Event(), []
    real = photo_router.read_photo

    def held(data: bytes):
        started.set()
        let_go.append(release.wait(5))
        return real(data)

    monkeypatch.setattr(photo_router, "read_photo", held)
    reading = asyncio.create_task(read(client, sample("nameplate", "hans", 1).jpeg,
                                       **SERVICE_HEADERS))
    while not started.is_set():
        await asyncio.sleep(0.01)
    assert (await client.get("/health")).status_code == 200
    release.set()
    assert (await reading).status_code == 200
    assert let_go == [True]


def _never(data: bytes):
    raise AssertionError("read_photo must not be called")
