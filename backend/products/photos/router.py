"""The bot has a customer's photo of an invoice or a nameplate read: the image's bytes in,
{kind, readable, fields, photo} out (the customer then confirms what the bot fills in; nothing
is registered here). A photo that opened as an image is kept, encrypted, for the customer
(store.py), whatever was read in it: `photo` is its token, which the registration names to
keep it with the product; one never named is deleted after a day.

The reading is CPU-bound for a second or more: it runs in a worker thread, at most
`READERS` at once, so the event loop goes on serving every other request meanwhile and a
burst of photos queues instead of taking every core. The body is read with a ceiling before
anything else (the signature check reads the whole body): 413 beyond it. Nothing of the photo
or of the text read is logged (invoices carry names and addresses); only what kind it was.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from pydantic import BaseModel

from backend.customers.enums import Channel
from backend.deps import ServiceDep, SessionDep
from backend.products.photos import store

if TYPE_CHECKING:
    from backend.products.photos import PhotoReading

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["products"])

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Readings at once per backend process (each is one OCR thread: bot-side photos queue here).
READERS = 2
ChatId = Annotated[str, Path(min_length=1, max_length=64)]


class PhotoReadingOut(BaseModel):
    kind: Literal["invoice", "nameplate", "unknown"]
    # False: no category, brand, model or serial was read (the bot asks the customer to type).
    readable: bool
    # Among category, brand, model, serial, purchase_date (ISO), purchased_from: only what
    # was read with confidence.
    fields: dict[str, str]
    # The token of the photo as kept: the registration names it (`photos`) to keep the photo
    # with the product.
    photo: str | None = None


async def photo_bytes(request: Request) -> bytes:
    """The body, refused with 413 past MAX_PHOTO_BYTES before it is all read (a declared
    length says so at once; a chunked body is counted as it comes)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PHOTO_BYTES:
        raise _too_large()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PHOTO_BYTES:
            raise _too_large()
        chunks.append(chunk)
    body = b"".join(chunks)
    # Starlette's own cache of the body: the signature check (require_service) reads it next.
    request._body = body
    return body


def _too_large() -> HTTPException:
    return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                         f"a photo may be at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB")


def _readers(request: Request) -> anyio.CapacityLimiter:
    """The app's limiter of readings at once (made on first use, inside the event loop)."""
    state = request.app.state
    if getattr(state, "photo_readers", None) is None:
        state.photo_readers = anyio.CapacityLimiter(READERS)
    return state.photo_readers


def _out(reading: PhotoReading, token: str) -> PhotoReadingOut:
    fields: dict[str, Any] = reading.fields
    return PhotoReadingOut(kind=reading.kind, readable=reading.readable, photo=token, fields={
        name: value.isoformat() if isinstance(value, date) else str(value)
        for name, value in fields.items() if value is not None})


def read_photo(data: bytes) -> PhotoReading:
    """The reader, loaded with the first photo: numpy, Pillow and the OCR are not imported by
    every backend process that starts."""
    from backend.products.photos import read_photo as read
    return read(data)


@router.post(
    "/customers/{channel}/{chat_id}/photos/read", response_model=PhotoReadingOut,
    responses={413: {"description": "over 10 MB"},
               422: {"description": "not an image that can be read (empty, not a photo "
                                    "format, damaged, over 40 megapixels): the reason"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
async def read_product_photo(channel: Channel, chat_id: ChatId, request: Request,
                             photo: Annotated[bytes, Depends(photo_bytes)],
                             db_session: SessionDep, _: ServiceDep) -> PhotoReadingOut:
    """Read a customer's photo of an invoice (发票, receipt) or a nameplate (铭牌): the
    product's category, brand, model, serial number, purchase date and shop, as far as they
    can be read (the bot, for the register_product form; the customer confirms). The photo is
    kept for the customer (`photo`: its token, for the registration); a file refused (413,
    422) is not."""
    from backend.products.photos import PhotoError
    try:
        reading = await anyio.to_thread.run_sync(read_photo, photo, limiter=_readers(request))
    except PhotoError as error:
        # The reason is the reader's own short sentence, never the photo's content.
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    log.info("a %s photo read: readable %s, %d fields", reading.kind, reading.readable,
             len(reading.fields))
    token = await store.keep(db_session=db_session, channel=channel, chat_id=chat_id,
                             data=photo, kind=reading.kind)
    return _out(reading, token)
