"""Helpers of the product photo tests: small real images, the reading stood in for (what it
reads is not what these tests are about: the real reader has tests/backend/products/photos),
a photo read as the bot, a product registered with photos, the rows stored."""

from __future__ import annotations

import io

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import text

from backend.products.photos import reader
from backend.products.photos import router as photo_router
from backend.products.photos.reading import PhotoReading
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS

# What the stood-in reading "reads" from an invoice: a shop, as an invoice carries.
READ_FIELDS = {"category": "空调", "brand": "格力", "model": "KFR-35GW/BP",
               "purchased_from": "国美电器望京店"}


def jpeg(shade: int = 90, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real JPEG (each shade its own bytes)."""
    out = io.BytesIO()
    Image.new("RGB", size, (shade, 200 - shade // 2, 30)).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 240)).save(out, "PNG")
    return out.getvalue()


def _read(data: bytes) -> PhotoReading:
    reader.open_photo(data)  # what is no image is refused as by the real reading
    return PhotoReading.of("invoice", dict(READ_FIELDS))


@pytest.fixture
def quick_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reading stood in for: every image reads as an invoice with READ_FIELDS."""
    monkeypatch.setattr(photo_router, "read_photo", _read)


async def read(client: httpx.AsyncClient, data: bytes, chat_id: str = "42") -> httpx.Response:
    return await client.post(f"/api/v1/customers/telegram/{chat_id}/photos/read", content=data,
                             headers={**SERVICE_HEADERS,
                                      "Content-Type": "application/octet-stream"})


async def token_of(client: httpx.AsyncClient, data: bytes, chat_id: str = "42") -> str:
    """The token of a photo read for the chat (kept by the backend)."""
    answer = await read(client, data, chat_id)
    assert answer.status_code == 200, answer.text
    token = answer.json()["photo"]
    assert isinstance(token, str) and len(token) >= 32
    return token


async def register(client: httpx.AsyncClient, chat_id: str = "42", **body) -> httpx.Response:
    return await client.post(f"/api/v1/customers/telegram/{chat_id}/products",
                             json={"category": "空调", **body}, headers=SERVICE_HEADERS)


async def staff_product(client: httpx.AsyncClient, product_id: int) -> dict:
    answer = await client.get(f"/api/v1/products/{product_id}", headers=STAFF_HEADERS)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def stored(app: FastAPI) -> list[dict]:
    """Every stored photo as its row holds it (the image as ciphertext), oldest first."""
    async with app.state.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT id, token, customer_id, product_id, kind, content_type, size, data "
            "FROM product_photos ORDER BY id"))).mappings().all()
    return [dict(row) for row in rows]
