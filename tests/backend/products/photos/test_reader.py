"""read_photo's handling of what comes in: what is no photo (a PhotoError with a short
reason), noise and blank pages (nothing read, honestly), phone-sized and turned photos, and
the engine's one load however many threads ask."""

from __future__ import annotations

import io
import os
import struct
import threading
import time
import zlib
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from backend.products.photos import PhotoError, PhotoReading, read_photo, reader


def test_noise_reads_as_nothing() -> None:
    pixels = np.random.default_rng(7).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    reading = read_photo(_jpeg(Image.fromarray(pixels)))
    assert reading.readable is False
    assert not set(reading.fields) & {"category", "brand", "model", "serial"}


def test_a_blank_page_reads_as_nothing() -> None:
    reading = read_photo(_jpeg(Image.new("RGB", (300, 200), "white")))
    assert reading == PhotoReading("unknown", {}, False)


def _jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares a size and holds almost nothing: a decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


NO_PHOTOS = {
    "zero bytes": (b"", "empty"),
    "a PDF": (b"%PDF-1.7 not a photo", "not an image"),
    "a JPEG's first bytes": (b"\xff\xd8\xff\xe0 truncated JPEG header", "not an image"),
    "48 MP declared": (_png_header(8000, 6000), "over 40 megapixels"),
    "a decompression bomb": (_png_header(100_000, 100_000), "too large"),
    "pixels missing": (_png_header(64, 64), "damaged or cut short"),
    "over 20 MB": (b"\xff" * (20 * 1024 * 1024 + 1), "over 20 MB"),
}


@pytest.mark.parametrize(("data", "reason"), list(NO_PHOTOS.values()), ids=list(NO_PHOTOS))
def test_what_is_no_photo_is_a_photo_error(data: bytes, reason: str) -> None:
    with pytest.raises(PhotoError, match=reason):
        read_photo(data)


def test_a_photo_cut_short_is_a_photo_error() -> None:
    photo = _jpeg(Image.new("RGB", (400, 300), "white"), quality=90)
    with pytest.raises(PhotoError, match="damaged or cut short"):
        read_photo(photo[: len(photo) // 2])


def test_a_phone_sized_photo_is_scaled_down_before_reading() -> None:
    """12 MP: decoded at a reduced scale (JPEG draft), then at most CODE_SIDE for the codes
    and OCR_SIDE for the OCR."""
    image = reader.open_photo(_jpeg(Image.new("RGB", (4032, 3024), "white")))
    assert max(image.size) <= reader.CODE_SIDE
    assert image.size[0] > image.size[1]


def test_the_phone_s_orientation_tag_is_applied() -> None:
    """Phones store a portrait photo as landscape pixels plus an EXIF orientation."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    image = reader.open_photo(_jpeg(Image.new("RGB", (400, 300), "white"), exif=exif))
    assert image.size == (300, 400)


def test_a_transparent_screenshot_is_flattened_onto_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(out, "PNG")
    image = reader.open_photo(out.getvalue())
    assert image.mode == "RGB" and image.getpixel((10, 10)) == (255, 255, 255)


def test_the_engine_loads_once_however_many_threads_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[int] = []

    def slow_load() -> Any:
        loads.append(1)
        time.sleep(0.05)
        return object()

    monkeypatch.setattr(reader, "_engine", None)
    monkeypatch.setattr(reader, "_loaded_engine", slow_load)
    engines: list[Any] = []
    threads = [threading.Thread(target=lambda: engines.append(reader.ocr_engine()))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len({id(engine) for engine in engines}) == 1


def test_a_failing_ocr_reads_as_nothing_and_logs_no_text(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(image: Image.Image) -> Any:
        raise RuntimeError("张伟 13812345678")  # what a message could quote

    monkeypatch.setattr(reader, "scan", broken)
    reading = read_photo(_jpeg(Image.new("RGB", (300, 200), "white")))
    assert reading == PhotoReading("unknown", {}, False)
    assert "RuntimeError" in caplog.text and "张伟" not in caplog.text


def test_each_letter_comes_with_its_confidence() -> None:
    """The engine's recogniser is wrapped to give them (backend/products/photos/reader.py):
    a change in rapidocr_onnxruntime's internals would show here first."""
    image = Image.new("RGB", (640, 120), "white")
    ImageDraw.Draw(image).text((20, 40), "MODEL NO.: BCD-215TDGA", fill="black",
                                font=ImageFont.load_default(size=32))
    lines = reader.scan(image).lines
    assert lines and all(len(line.letters) == len(line.text) for line in lines)
    assert all(0.0 <= letter <= 1.0 for line in lines for letter in line.letters)
    assert read_photo(_jpeg(image)).fields["model"] == "BCD-215TDGA"


def test_onnx_runtime_s_telemetry_is_off() -> None:
    """Official ONNX Runtime builds report usage to Microsoft from Linux too (and keep a
    device id under ~/.cache) unless told not to before they start."""
    reader.ocr_engine()
    assert os.environ.get("ORT_DISABLE_TELEMETRY") == "1"


def test_an_engine_that_cannot_load_reads_as_nothing_and_says_why(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A deployment fault (python:3.11-slim lacks the libGL that OpenCV loads): logged with
    its traceback, and the customer is asked to type."""
    def missing_library() -> Any:
        raise ImportError("libGL.so.1: cannot open shared object file")

    monkeypatch.setattr(reader, "_engine", None)
    monkeypatch.setattr(reader, "_loaded_engine", missing_library)
    reading = read_photo(_jpeg(Image.new("RGB", (300, 200), "white")))
    assert reading == PhotoReading("unknown", {}, False)
    assert "libGL" in caplog.text
