"""The knowledge base's seed data (seed.yml beside this file), as rows to insert.

seed.yml groups the three translations of one entry together:

    - topic: warranty
      product: 冰箱            # optional; canonical Simplified name
      city: 香港               # optional
      zh-Hans: {question: …, answer: …, keywords: …}
      zh-Hant: {…}
      en: {…}

Migration 0002 inserts these rows into a new database.
"""

from __future__ import annotations

from pathlib import Path

import yaml

SEED_FILE = Path(__file__).resolve().parent / "seed.yml"
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


def load_seed(path: Path = SEED_FILE) -> list[dict]:
    """One dict per entry and language: topic, product, city, language, question, answer,
    keywords (single-space separated, or None)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = []
    for group in data["entries"]:
        for language in LANGUAGES:
            text = group.get(language)
            if text is None:
                continue
            keywords = " ".join(str(text.get("keywords") or "").split()) or None
            rows.append({
                "topic": group["topic"], "product": group.get("product"),
                "city": group.get("city"), "language": language,
                "question": str(text["question"]).strip(), "answer": str(text["answer"]).strip(),
                "keywords": keywords,
            })
    return rows
