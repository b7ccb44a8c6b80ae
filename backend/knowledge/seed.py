"""The knowledge base's seed data (seed.yml beside this file), as rows to insert.

seed.yml groups the three translations of one entry together:

    - topic: warranty
      product: 冰箱            # optional; canonical Simplified name
      city: 香港               # optional
      zh-Hans: {question: …, answer: …, keywords: …}
      zh-Hant: {…}
      en: {…}
      sample: true             # optional: example data, not the company's real terms

Migration 0002 inserts these rows into a new database; migration 0013 marks the sample ones
(`sample`, which staff see; customers get the answer alone).

Sample answers used to say so to the customer, starting with 【示例数据】, 【示例資料】 or
"[Sample data]"; `strip_sample_marker` takes that away (migration 0013 does it to databases
seeded before).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

SEED_FILE = Path(__file__).resolve().parent / "seed.yml"
LANGUAGES = ("zh-Hans", "zh-Hant", "en")

# The sample marker that began seeded answers, with what some of them said inside it
# (【示例数据，人民币，以网点报价为准】 keeps 【人民币，以网点报价为准】).
SAMPLE_MARKER = re.compile(
    r"^(?:【示例(?:数据|資料)(?:，(?P<zh>[^】]*))?】|\[Sample data(?:, (?P<en>[^\]]*))?\])[ \t]*\n?")


def strip_sample_marker(answer: str) -> tuple[str, bool]:
    """The answer without a leading sample marker, and whether it had one."""
    found = SAMPLE_MARKER.match(answer)
    if found is None:
        return answer, False
    rest = answer[found.end():].lstrip()
    if found.group("zh"):
        rest = f"【{found.group('zh')}】{rest}"
    elif found.group("en"):
        rest = f"[{found.group('en')}] {rest}"
    return rest, True


def load_seed(path: Path = SEED_FILE, *, with_sample: bool = False) -> list[dict]:
    """One dict per entry and language: topic, product, city, language, question, answer,
    keywords (single-space separated, or None); `with_sample`: also `sample` (the columns
    migration 0002 created have no such field)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = []
    for group in data["entries"]:
        for language in LANGUAGES:
            text = group.get(language)
            if text is None:
                continue
            keywords = " ".join(str(text.get("keywords") or "").split()) or None
            row = {
                "topic": group["topic"], "product": group.get("product"),
                "city": group.get("city"), "language": language,
                "question": str(text["question"]).strip(), "answer": str(text["answer"]).strip(),
                "keywords": keywords,
            }
            if with_sample:
                row["sample"] = bool(group.get("sample", False))
            rows.append(row)
    return rows
