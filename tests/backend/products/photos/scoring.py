"""Readings scored against the generated photos' truth: right, wrong (a value that is not the
truth: worse than none) or missing, per field and per kind. Shared by the accuracy test and
bench/photo_reading.py."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from backend.products.photos import PhotoReading
from backend.products.photos.text import fold
from tests.backend.products.photos.generate import Sample

FIELDS = ("category", "brand", "model", "serial", "purchase_date", "purchased_from")


def same(name: str, read: object, truth: object) -> bool:
    """Equal as a person would check it: a model's case and spaces, a serial's dashes (the
    products service normalises them away), a shop name's script (OCR mixes 東 and 东) do not
    count."""
    if name in ("model", "serial", "purchased_from"):
        def key(value: object) -> str:
            text = unicodedata.normalize("NFKC", str(value))
            return re.sub(r"[\s\-]", "", fold(text)).casefold()
        return key(read) == key(truth)
    return read == truth


@dataclass
class Score:
    right: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, field)
    total: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (photo, field, value read, truth)
    wrong: list[tuple[str, str, object, object]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    kinds_right: int = 0
    photos: int = 0

    def share(self, name: str, kind: str | None = None) -> float:
        keys = [key for key in self.total if key[1] == name and kind in (None, key[0])]
        total = sum(self.total[key] for key in keys)
        return sum(self.right[key] for key in keys) / total if total else 1.0

    def wrong_of(self, name: str) -> int:
        return sum(1 for _, field_name, _, _ in self.wrong if field_name == name)


def score(readings: Iterable[tuple[Sample, PhotoReading]]) -> Score:
    result = Score()
    for sample, reading in readings:
        result.photos += 1
        result.kinds_right += reading.kind == sample.kind
        for name in FIELDS:
            truth, read = sample.truth.get(name), reading.fields.get(name)
            if truth is not None:
                result.total[sample.kind, name] += 1
            if read is None:
                if truth is not None:
                    result.missing.append((sample.name, name))
            elif truth is not None and same(name, read, truth):
                result.right[sample.kind, name] += 1
            else:  # a value where there is none counts as wrong too (a nameplate's date)
                result.wrong.append((sample.name, name, read, truth))
    return result
