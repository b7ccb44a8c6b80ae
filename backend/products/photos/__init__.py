"""Offline reading of product-registration photos: an invoice, a receipt (发票, 統一發票) or
the appliance's nameplate (铭牌) → category, brand, model, serial, purchase date and shop.

    from backend.products.photos import read_photo, PhotoReading, PhotoError
    reading = read_photo(data)   # sync and CPU-bound: run it in a worker thread

reader.py turns the image into text lines (RapidOCR, models inside its wheel) and code
contents (zxing-cpp); fields.py turns those into fields; the rest is their vocabulary, but
store.py, which keeps the photos read (encrypted) for the products they are registered with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.products.photos.reader import PhotoError
    from backend.products.photos.reading import PhotoReading, read_photo

__all__ = ["PhotoError", "PhotoReading", "read_photo"]


def __getattr__(name: str) -> Any:
    """numpy, Pillow and the OCR load with the first photo, not with every backend process
    (the API's router lives in this package)."""
    if name == "PhotoError":
        from backend.products.photos.reader import PhotoError
        return PhotoError
    if name in ("PhotoReading", "read_photo"):
        from backend.products.photos import reading
        return getattr(reading, name)
    raise AttributeError(name)
