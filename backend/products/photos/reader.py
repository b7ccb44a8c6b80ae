"""A photo's bytes → its text lines (OCR) and the contents of its bar codes and QR codes.

Offline: the OCR is RapidOCR on ONNX Runtime with the PP-OCRv4 detection and recognition
models that ship inside the `rapidocr_onnxruntime` wheel (Simplified and Traditional Chinese,
Latin letters, digits); bar codes are zxing-cpp. Nothing is downloaded, ever.

Untrusted input: the bytes come from a chat. Only common photo formats are opened, their
declared size is checked before a pixel is decoded (a decompression bomb declares billions),
and anything Pillow cannot decode whole is a PhotoError with a short reason.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import zxingcpp
from PIL import Image, ImageOps

from backend.products.photos.layout import Line

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
# What phones and chat apps send, and only that (each decoder is attack surface). The JPEG
# plugin also opens MPO, the multi-picture JPEG some phones write. Not HEIC: Pillow cannot
# open it without a plugin, and Telegram and the web chat send photos as JPEG. Only the
# plugins this Pillow has (WebP needs its library).
Image.init()
FORMATS = tuple(name for name in ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF")
                if name in Image.OPEN)
# The longest side the OCR sees. A 12 MP phone photo of an invoice is read at this size
# (letters stay ~20 px high); the detector's cost grows with the pixels.
OCR_SIDE = 1600
# The detector (where the lines are) needs fewer pixels than the recogniser (what they say):
# at most this many, a third of the detector's time on a phone photo and nothing read worse.
DET_SIDE = 1280
# Bars need more pixels than letters: codes are looked for in a larger copy (zxing-cpp is
# fast; a bar narrower than a pixel is lost). 2000: a 12 MP JPEG (4032 px) still decodes at
# half scale, a quarter of the time and memory of a full decode.
CODE_SIDE = 2000
# One thread per reading: the reader runs beside the chat on a small machine, and a second
# reading in another worker uses the other core better than two threads of one reading do.
OCR_THREADS = 1
# Codes that can carry a serial number or an invoice's data. Not EAN/UPC: the retail article
# number says which product, not which unit.
CODE_FORMATS = zxingcpp.barcode_formats_from_str("Code128,Code39,Code93,QRCode,DataMatrix,PDF417")


class PhotoError(ValueError):
    """The bytes are not a photo we can read; `str(error)` is a short reason, fit to tell."""


@dataclass(frozen=True)
class Scan:
    """What a photo shows, before it is understood."""

    lines: list[Line]
    codes: list[str]


def open_photo(data: bytes) -> Image.Image:
    """The photo upright (EXIF orientation applied), RGB, its longest side at most
    CODE_SIDE."""
    if not data:
        raise PhotoError("the file is empty")
    if len(data) > MAX_BYTES:
        raise PhotoError("the file is over 20 MB")
    try:
        opened = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise PhotoError("the image is too large") from None
    except Exception:  # a malformed file makes a decoder fail in its own way (struct.error …)
        raise PhotoError("the file is not an image we can read") from None
    width, height = opened.size
    if width * height > MAX_PIXELS:
        raise PhotoError("the image is over 40 megapixels")
    if width < 1 or height < 1:
        raise PhotoError("the image is empty")
    # JPEG: decode at 1/2, 1/4 or 1/8 scale where that still leaves CODE_SIDE (a 12 MP photo
    # decodes in a fraction of the time and memory).
    scale = max(width, height) / CODE_SIDE
    if scale > 1:
        opened.draft("RGB", (int(width / scale), int(height / scale)))
    try:
        opened.load()
        image = ImageOps.exif_transpose(opened) or opened
        return _downscaled(_rgb(image), CODE_SIDE)
    except Exception:  # OSError "image file is truncated", a decoder's own errors
        raise PhotoError("the image is damaged or cut short") from None


def _rgb(image: Image.Image) -> Image.Image:
    """RGB, transparency flattened onto white (a screenshot's transparent background would
    turn black)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _downscaled(image: Image.Image, longest: int) -> Image.Image:
    if max(image.size) <= longest:
        return image
    smaller = image.copy()
    # Box-averaged by whole factors first (reducing_gap), then bilinear: sharp enough for
    # letters, half of Lanczos's time on a 12 MP photo.
    smaller.thumbnail((longest, longest), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return smaller


def scan(image: Image.Image) -> Scan:
    """The text lines (OCR, on a copy at most OCR_SIDE) and the codes' contents."""
    codes = _codes(image)
    return Scan(_text_lines(_downscaled(image, OCR_SIDE)), codes)


def _codes(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image.convert("L"), formats=CODE_FORMATS)
    return [code.text for code in found if code.valid and code.text]


_engine: Any = None
_engine_lock = threading.Lock()


def ocr_engine() -> Any:
    """The OCR engine, loaded on first use (~0.3 s, ~60 MB), once for the process, whichever
    threads ask at once. Its ONNX sessions may run in several threads together; the one thing
    the engine sets per call (the detector's resizing step) is made one fixed object here."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = _loaded_engine()
    return _engine


def _loaded_engine() -> Any:
    # ONNX Runtime's official builds (1.29 on) send usage telemetry to Microsoft from Linux
    # too, keeping a device id and an event cache under ~/.cache: none of that from a server
    # holding customers' data, nor an outbound connection where there is no network. Off
    # before ONNX Runtime starts (it latches the setting); an operator's own value stands.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime
    from rapidocr_onnxruntime import RapidOCR  # heavy: only when a photo comes
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    if os.environ["ORT_DISABLE_TELEMETRY"] == "1":
        onnxruntime.disable_telemetry_events()  # older builds: the API is their switch

    engine = RapidOCR(
        intra_op_num_threads=OCR_THREADS, inter_op_num_threads=1, max_side_len=OCR_SIDE * 2,
        # Text upside down is not worth the classifier's time: photos come upright (EXIF
        # applied); an upside-down one reads as nothing and we ask.
        use_cls=False)
    # The detector finds the lines at most DET_SIDE, and never enlarges (its default enlarges
    # everything under 736 px and picks a size per call: time for nothing read better, and
    # state shared by threads); the recogniser still reads each line from the OCR_SIDE copy.
    detector = engine.text_det
    fixed = DetPreProcess(DET_SIDE, "max", detector.mean, detector.std)
    detector.get_preprocess = lambda longest_side: fixed
    engine.text_rec.postprocess_op = _WithLetterConfidences(engine.text_rec.postprocess_op)
    return engine


class _WithLetterConfidences:
    """The recogniser's decoding, each line also with its letters' confidences. A line's own
    score is their mean: one misread letter in a 20-letter serial (8 for B) hardly lowers it,
    while that letter's confidence is low. The engine passes the extra item through to its
    result. (Word boxes, the decoder's other option, are never asked for here.)"""

    def __init__(self, decoder: Any) -> None:
        self.decoder = decoder

    def __call__(self, preds: Any, return_word_box: bool = False,
                 **kwargs: Any) -> list[tuple[str, float, tuple[float, ...]]]:
        decoded = self.decoder.decode(preds.argmax(axis=2), preds.max(axis=2), True,
                                      is_remove_duplicate=True)
        return [(text, score, tuple(details[4])) for text, score, details in decoded]


def _text_lines(image: Image.Image) -> list[Line]:
    bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    result, _ = ocr_engine()(bgr, use_cls=False)
    lines = []
    for box, text, score, *letters in result or ():
        points = [(float(x), float(y)) for x, y in np.asarray(box, dtype=np.float32)]
        lines.append(Line.from_points(str(text), points, float(score),
                                      [float(c) for c in letters[0]] if letters else ()))
    return lines
