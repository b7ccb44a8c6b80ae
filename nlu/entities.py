"""Entity normalisation shared by the bot's NLU client and the evaluator (no Rasa import).

Rasa extracts entity values as the customer wrote them ("rs 20261124 0007", "138-1234-5678",
"冷氣機"); everything downstream wants one canonical form. The phone and error-code patterns
and the synonym table are read from the Rasa training data itself (nlu/data/regex.yml and
nlu/data/synonyms.yml), so the model and this module cannot drift apart. Ticket numbers follow
the one grammar the backend reads them with (backend/kernel/ticket_numbers.py); the Rasa copy
of it in regex.yml is checked against it (tests/nlu/test_ticket_number_grammar.py).
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

import yaml

from backend.kernel import ticket_numbers

DATA_DIR = Path(__file__).resolve().parent / "data"

PRODUCTS = ("空调", "冰箱", "洗衣机", "热水器", "电视", "油烟机", "燃气灶", "洗碗机", "微波炉", "净水器", "干衣机", "烤箱", "扫地机器人")
TOPICS = ("warranty", "fee", "outlet", "hours", "parts", "usage")


def _examples(block: dict) -> list[str]:
    text = block.get("examples") or ""
    return [line.strip()[2:].strip() for line in text.splitlines() if line.strip().startswith("- ")]


@lru_cache(maxsize=1)
def _training_data() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(regex name -> patterns, synonym value -> examples) from nlu/data/*.yml."""
    regexes: dict[str, list[str]] = {}
    synonyms: dict[str, list[str]] = {}
    for path in sorted(DATA_DIR.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in content.get("nlu") or []:
            if "regex" in block:
                regexes.setdefault(str(block["regex"]), []).extend(_examples(block))
            elif "synonym" in block:
                synonyms.setdefault(str(block["synonym"]), []).extend(_examples(block))
    return regexes, synonyms


def _compile(name: str) -> re.Pattern[str]:
    patterns = _training_data()[0].get(name)
    if not patterns:
        raise RuntimeError(f"no regex named {name!r} in {DATA_DIR}")
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# A ticket number inside a text: the grammar's (the bot finds and masks numbers with it).
TICKET_NUMBER_RE = ticket_numbers.TICKET_NUMBER_RE
PHONE_RE = _compile("phone")
ERROR_CODE_RE = _compile("error_code")
# The brands the lexicon knows (lexicon.yml's brand_word): a brand named in passing.
BRAND_RE = _compile("brand_word")


def _lookup_key(value: str) -> str:
    key = re.sub(r"\s+", " ", value.strip().lower())
    return re.sub(r"^(?:the|my|a|an|our)\s+", "", key)


@lru_cache(maxsize=1)
def _synonym_table() -> dict[str, dict[str, str]]:
    """category ('product' / 'topic') -> lower-cased written form -> canonical value."""
    tables: dict[str, dict[str, str]] = {"product": {}, "topic": {}}
    for canonical, examples in _training_data()[1].items():
        category = "product" if canonical in PRODUCTS else "topic" if canonical in TOPICS else None
        if category is None:
            continue
        table = tables[category]
        table[canonical.lower()] = canonical
        for example in examples:
            table[_lookup_key(example)] = canonical
    return tables


def _contained(key: str, text: str) -> bool:
    if key.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", text) is not None
    return key in text


def canonical_product(value: str) -> str | None:
    """The canonical product for a written form, or None when it names no known product.

    Exact synonym first, then the longest known name inside the value ("格力空调" -> 空调),
    then a close spelling ("洗衣几" -> 洗衣机, "refridgerator" -> 冰箱).
    """
    table = _synonym_table()["product"]
    key = _lookup_key(value)
    if not key:
        return None
    if key in table:
        return table[key]
    inside = [k for k in table if len(k) >= 2 and _contained(k, key)]
    if inside:
        return table[max(inside, key=len)]
    if len(key) >= 3:  # a typo: only against names of the same script and a similar length
        ascii_key = key.isascii()
        candidates = [k for k in table if len(k) >= 3 and k.isascii() == ascii_key
                      and abs(len(k) - len(key)) <= 2]
        close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.8 if ascii_key else 0.66)
        if close:
            return table[close[0]]
    return None


def canonical_ticket_number(text: str) -> str | None:
    """The first ticket number in `text` as RS-20261124-0007, or None."""
    return ticket_numbers.find_ticket_number(text)


def normalise_phone(value: str) -> str:
    """Digits only, keeping a leading '+' for international numbers."""
    value = value.strip().lstrip("(（").strip()
    digits = re.sub(r"\D", "", value)
    return f"+{digits}" if value.startswith("+") and digits else digits


def find_phone(text: str) -> str | None:
    """The first phone number in `text`, normalised, or None."""
    match = PHONE_RE.search(text or "")
    return normalise_phone(match.group(0)) if match else None


def normalise_error_code(value: str) -> str:
    match = ERROR_CODE_RE.search(value)
    found = match.group(0) if match else value
    return re.sub(r"[\s\-]", "", found).upper()


def normalise_entity(name: str, value: str) -> str:
    """The canonical form of an entity value (see the module docstring)."""
    value = str(value).strip()
    if not value:
        return value
    if name == "ticket_number":
        return canonical_ticket_number(value) or re.sub(r"\s+", "", value).upper()
    if name == "phone":
        return normalise_phone(value)
    if name == "error_code":
        return normalise_error_code(value)
    if name == "product":
        return canonical_product(value) or value
    if name == "topic":  # a topic the knowledge base does not have is no topic
        return _synonym_table()["topic"].get(_lookup_key(value), "")
    if name == "city":
        # 北京市 / 台北市 -> 北京 / 台北 (as the customer would usually write it)
        return value[:-1] if len(value) > 2 and value.endswith("市") else value
    return value


def product_words() -> list[str]:
    """Every written form of every product (冷氣, fridge, 雪櫃 ...), longest first."""
    return sorted(_synonym_table()["product"], key=len, reverse=True)
