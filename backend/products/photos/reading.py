"""read_photo: a customer's photo of an invoice, a receipt or a nameplate → the product's
fields, offline. The caller runs it in a worker thread, off the chat's hot path: it is
CPU-bound, one core for ~0.4 s (a photo ~900 px wide) to ~1 s (a phone's 12 MP)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from backend.products.photos import reader
from backend.products.photos.fields import PRODUCT_FIELDS, Kind, read_fields

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoReading:
    """What a photo told. `fields` has only what was read with confidence, among category
    (canonical: 空调, 冰箱 …), brand, model, serial, purchase_date (datetime.date) and
    purchased_from (the shop). `readable` is False when no product field (category, brand,
    model, serial) was read: the caller then asks the customer to type the model number."""

    kind: Kind
    fields: dict[str, Any] = field(default_factory=dict)
    readable: bool = False

    @classmethod
    def of(cls, kind: Kind, fields: dict[str, Any]) -> PhotoReading:
        return cls(kind, fields, any(name in fields for name in PRODUCT_FIELDS))


def read_photo(data: bytes) -> PhotoReading:
    """Read a photo's bytes. Raises PhotoError (with a short reason, fit to tell the
    customer) for what is no photo we can read: empty, not an image, cut short, over 20 MB
    or over 40 megapixels. Nothing else escapes: a failure of the OCR itself is logged and
    reads as nothing (the customer is asked to type the model number)."""
    image = reader.open_photo(data)
    try:
        reader.ocr_engine()
    except Exception:
        # A deployment fault (a system library the OCR's OpenCV needs, a broken wheel): the
        # traceback says which, and holds nothing of the photo.
        log.exception("the OCR engine could not be loaded")
        return PhotoReading("unknown")
    try:
        scan = reader.scan(image)
        kind, found = read_fields(scan.lines, scan.codes)
    except Exception as error:
        # Only the type: a message or traceback could quote the text read (invoices carry
        # names and addresses).
        log.error("photo reading failed: %s", type(error).__name__)
        return PhotoReading("unknown")
    return PhotoReading.of(kind, found)
