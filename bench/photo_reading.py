"""Product-photo reading (backend.products.photos.read_photo): time, memory and accuracy.

    .venv/bin/python bench/photo_reading.py [--phone 5] [--json]

On the tests' generated set (tests/backend/products/photos/generate.py: 30 invoices and
receipts, 30 nameplates, JPEGs ~650-950 px wide), read one after another in this process, as one
worker would:
- seconds per photo (wall and CPU; mean, p50, p95), and the OCR engine's first load;
- `--phone N`: N of the photos enlarged to a phone's 12 MP (4032x3024) first, the size
  customers send (decoded at a reduced scale, then downscaled for the OCR);
- peak memory: the process's max RSS (Linux ru_maxrss), after the engine loaded and at the end;
- accuracy: the share of each field read right, per kind, and the wrong values (a value that
  is not the truth: worse than none).
Needs a CJK font (Debian's fonts-noto-cjk) to draw the photos. Offline: nothing is fetched.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.products.photos import PhotoReading, read_photo, reader  # noqa: E402
from tests.backend.products.photos.generate import font_path, generate  # noqa: E402
from tests.backend.products.photos.scoring import FIELDS, score  # noqa: E402


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timings(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"n": len(values), "mean": statistics.fmean(values), "p50": statistics.median(values),
            "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
            "max": ordered[-1]}


def timed(data: bytes) -> tuple[PhotoReading, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    reading = read_photo(data)
    return reading, time.perf_counter() - wall, time.process_time() - cpu


def phone_sized(jpeg: bytes) -> bytes:
    """The photo as a phone sends it: 12 MP, JPEG quality 90."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    image.thumbnail((4032, 4032))  # keeps the ratio; then fill a 4:3 frame
    frame = Image.new("RGB", (4032, 3024), (110, 100, 90))
    big = image.resize((4032, int(4032 * image.height / image.width)))
    frame.paste(big.crop((0, 0, 4032, min(3024, big.height))), (0, 0))
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=90)
    return out.getvalue()


def run(phone: int) -> dict:
    samples = generate()
    rss_before = max_rss_mib()
    started = time.perf_counter()
    reader.ocr_engine()
    load_seconds = time.perf_counter() - started
    rss_engine = max_rss_mib()
    readings, walls, cpus = [], [], []
    for sample in samples:
        reading, wall, cpu = timed(sample.jpeg)
        readings.append((sample, reading))
        walls.append(wall)
        cpus.append(cpu)
    phone_readings, phone_walls, phone_cpus = [], [], []
    for sample in samples[::max(1, len(samples) // max(phone, 1))][:phone]:
        reading, wall, cpu = timed(phone_sized(sample.jpeg))
        phone_readings.append((sample, reading))
        phone_walls.append(wall)
        phone_cpus.append(cpu)
    scored, phone_scored = score(readings), score(phone_readings)
    return {
        "photos": len(samples),
        "load_average_1min": os.getloadavg()[0],
        "engine_load_seconds": load_seconds,
        "seconds_per_photo": timings(walls),
        "cpu_seconds_per_photo": timings(cpus),
        "seconds_per_12mp_photo": timings(phone_walls) if phone_walls else None,
        "cpu_seconds_per_12mp_photo": timings(phone_cpus) if phone_cpus else None,
        "12mp_fields_right": (sum(phone_scored.right.values())
                              / max(1, sum(phone_scored.total.values()))),
        "12mp_wrong": [(name, field_name) for name, field_name, _, _ in phone_scored.wrong],
        "max_rss_mib": {"before_engine": rss_before, "after_engine": rss_engine,
                        "end": max_rss_mib()},
        "kind_right": scored.kinds_right / scored.photos,
        "accuracy": {kind: {name: scored.share(name, kind) for name in FIELDS
                            if scored.total[kind, name]}
                     for kind in ("invoice", "nameplate")},
        "accuracy_all": {name: scored.share(name) for name in FIELDS},
        "wrong": [(name, field_name) for name, field_name, _, _ in scored.wrong],
        "missing": scored.missing,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phone", type=int, default=5,
                        help="how many photos to also read at 12 MP (0: none)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if font_path() is None:
        print("error: no CJK font to draw the photos (apt-get install fonts-noto-cjk)",
              file=sys.stderr)
        return 2
    result = run(args.phone)
    if args.json:
        print(json.dumps(result, default=str))
        return 0
    print(f"{result['photos']} photos, load average {result['load_average_1min']:.2f}; "
          f"OCR engine loaded in {result['engine_load_seconds']:.2f} s")
    for name in ("seconds_per_photo", "cpu_seconds_per_photo", "seconds_per_12mp_photo",
                 "cpu_seconds_per_12mp_photo"):
        if (t := result[name]) is not None:
            print(f"{name:<27} n={t['n']:<3} mean {t['mean']:.3f}  p50 {t['p50']:.3f}  "
                  f"p95 {t['p95']:.3f}  max {t['max']:.3f}")
    if result["seconds_per_12mp_photo"] is not None:
        print(f"12 MP photos: {result['12mp_fields_right']:.0%} of fields right, "
              f"wrong values: {result['12mp_wrong']}")
    rss = result["max_rss_mib"]
    print(f"max RSS: {rss['before_engine']:.0f} MiB before the engine, "
          f"{rss['after_engine']:.0f} MiB after loading it, {rss['end']:.0f} MiB at the end")
    print(f"kind told right: {result['kind_right']:.0%}")
    print(f"{'field':<16}{'all':>7}{'invoice':>9}{'nameplate':>11}")
    for name in FIELDS:
        cells = [f"{result['accuracy'][kind][name]:.0%}" if name in result["accuracy"][kind]
                 else "-" for kind in ("invoice", "nameplate")]
        print(f"{name:<16}{result['accuracy_all'][name]:>7.0%}{cells[0]:>9}{cells[1]:>11}")
    print(f"wrong values: {len(result['wrong'])} {result['wrong']}")
    print(f"missing: {len(result['missing'])} {result['missing']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
