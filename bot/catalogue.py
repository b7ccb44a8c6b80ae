"""Message catalogues: every text a customer reads, in zh-Hans, zh-Hant and en.

The texts live in `bot/locales/<language>.yml`; code refers to them by key only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.language import DEFAULT_LANGUAGE, LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent / "locales"


@lru_cache
def _catalogue(language: str) -> dict[str, str]:
    with open(LOCALES_DIR / f"{language}.yml", encoding="utf-8") as fh:
        return _flatten(yaml.safe_load(fh))


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def keys(language: str) -> set[str]:
    return set(_catalogue(language))


def text(language: str, key: str, **values: object) -> str:
    """The text for `key` in `language`, with `{placeholders}` filled in."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    template = _catalogue(language)[key]
    return template.format(**values) if values else template


def has(language: str, key: str) -> bool:
    return key in _catalogue(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def name_of(language: str, kind: str, value: str) -> str:
    """A stored value (a canonical product 冰箱, a part 压缩机) as the chat's language names it
    (`<kind>.<value>`), or as stored where the catalogue has no name for it."""
    return text(language, f"{kind}.{value}") if has(language, f"{kind}.{value}") else value
