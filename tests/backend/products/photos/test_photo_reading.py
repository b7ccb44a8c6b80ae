"""read_photo end to end (the real OCR, offline) on 60 generated photos of invoices, receipts
and nameplates (tests/backend/products/photos/generate.py).

The set is made and read once for the module, in two threads (the engine's one-thread
readings side by side, as two workers would): ~30 s of CPU, ~25 s on two cores. The floors
are a little under what was measured (bench/photo_reading.py prints the same numbers: 97-100%
per field, no wrong value).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from backend.products.photos import PhotoReading, read_photo
from tests.backend.products.photos.generate import Sample, font_path, sample, specs
from tests.backend.products.photos.scoring import FIELDS, Score, score

pytestmark = pytest.mark.skipif(
    font_path() is None,
    reason="no CJK font to draw the photos: install Debian's fonts-noto-cjk (CI does)")

# Share of each field read right on the set (measured: see the module docstring).
FLOORS = {"category": 0.93, "brand": 0.93, "model": 0.93, "serial": 0.91,
          "purchase_date": 0.93, "purchased_from": 0.9}
MAX_WRONG = 1  # over all fields of all 60 photos: a wrong value is worse than a missing one


def _made_and_read(spec: tuple[str, str, int]) -> tuple[Sample, PhotoReading]:
    photo = sample(*spec)
    return photo, read_photo(photo.jpeg)


@pytest.fixture(scope="module")
def readings() -> list[tuple[Sample, PhotoReading]]:
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(_made_and_read, specs()))


@pytest.fixture(scope="module")
def scored(readings: list[tuple[Sample, PhotoReading]]) -> Score:
    return score(readings)


def test_the_set_is_big_and_varied(readings: list[tuple[Sample, PhotoReading]]) -> None:
    kinds = [photo.kind for photo, _ in readings]
    assert kinds.count("invoice") >= 30 and kinds.count("nameplate") >= 30
    assert len({photo.truth["brand"] for photo, _ in readings}) >= 12
    assert len({photo.truth["category"] for photo, _ in readings}) == 4


@pytest.mark.parametrize("name", FIELDS)
def test_each_field_is_read_right_above_its_floor(scored: Score, name: str) -> None:
    assert scored.share(name) >= FLOORS[name], (
        f"{name}: {scored.share(name):.0%} right; missing: "
        f"{[photo for photo, field_name in scored.missing if field_name == name]}")


def test_wrong_values_are_next_to_none(scored: Score) -> None:
    assert len(scored.wrong) <= MAX_WRONG, scored.wrong


def test_the_kind_is_told(readings: list[tuple[Sample, PhotoReading]]) -> None:
    wrong = [(photo.name, reading.kind) for photo, reading in readings
             if reading.kind != photo.kind]
    assert len(wrong) <= 1, wrong
    assert all(reading.readable for _, reading in readings)


def test_a_nameplate_never_gives_a_purchase_date(
        readings: list[tuple[Sample, PhotoReading]]) -> None:
    """Its 生产日期 / MFG DATE is the production date."""
    assert not [photo.name for photo, reading in readings
                if photo.kind == "nameplate" and "purchase_date" in reading.fields]
