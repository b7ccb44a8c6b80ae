"""The knowledge base's seed data (seed.yml beside this file), as rows to insert.

seed.yml groups the three translations of one entry together:

    - topic: warranty
      product: 冰箱            # optional; canonical Simplified name
      city: 香港               # optional
      zh-Hans: {question: …, answer: …, keywords: …}
      zh-Hant: {…}
      en: {…}
      sample: true             # optional: example data, not the company's real terms
      added_in: "0014"         # optional: a later migration adds it to older databases

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


def load_seed(path: Path = SEED_FILE, *, with_sample: bool = False,
              added_in: str | None = None) -> list[dict]:
    """One dict per entry and language: topic, product, city, language, question, answer,
    keywords (single-space separated, or None); `with_sample`: also `sample` (the columns
    migration 0002 created have no such field). `added_in`: only the groups a later migration
    adds to databases seeded before them (`added_in: "0014"`)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = []
    for group in data["entries"]:
        if added_in is not None and str(group.get("added_in")) != added_in:
            continue
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


ERROR_CODES_FILE = Path(__file__).resolve().parent / "error_codes.yml"


def load_error_codes(path: Path = ERROR_CODES_FILE) -> list[dict]:
    """The error-code tables (error_codes.yml) as entries, sample data, topic usage: per code
    and language one entry for its product, and one general entry (no product) that gives the
    code's meaning on each product that has it (its first sentence: what to do depends on the
    product), for a customer who did not name the product."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names, templates = data["products"], data["templates"]
    by_code: dict[str, list[tuple[str, dict]]] = {}
    rows = []
    for product, codes in data["codes"].items():
        for code, texts in codes.items():
            code = str(code).upper()
            by_code.setdefault(code, []).append((product, texts))
            for language in LANGUAGES:
                rows.append(_code_row(templates[language], language, product,
                                      _name(names, product, language), code,
                                      texts[language].strip()))
    for code, meanings in by_code.items():
        for language in LANGUAGES:
            lines = "\n".join(
                templates[language]["line"].format(name=_name(names, product, language),
                                                   text=_first_sentence(texts[language]))
                for product, texts in meanings)
            rows.append(_code_row(templates[language], language, None, "", code, lines,
                                  general=True))
    return rows


def _name(names: dict, product: str, language: str) -> str:
    """A product's name in a language (the canonical one is Simplified)."""
    return product if language == "zh-Hans" else names[product][language]


def _first_sentence(text: str) -> str:
    """What a code means, without what to do about it (the product's own entry says that)."""
    text = text.strip()
    end = re.search(r"[。；]|[.;](?:\s|$)", text)
    return text[:end.end()].strip() if end else text


def _code_row(template: dict, language: str, product: str | None, name: str, code: str,
              text: str, *, general: bool = False) -> dict:
    kind = "general" if general else "product"
    fill = {"name": name, "code": code, "code_lower": code.lower(), "text": text}
    return {
        "topic": "usage", "product": product, "city": None, "language": language,
        "question": template[f"{kind}_question"].format(**fill),
        "answer": template[f"{kind}_answer"].format(**fill).strip(),
        "keywords": " ".join(template["keywords"].format(**fill).split()),
        "sample": True,
    }
