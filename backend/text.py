"""Free text from chats, made safe to store: no control characters (PostgreSQL refuses NUL in
text), surrounding whitespace trimmed. Line breaks and tabs stay."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: object) -> object:
    """For `mode="before"` validators: strings are cleaned, anything else passes through."""
    if isinstance(value, str):
        return _CONTROL.sub("", value).strip()
    return value


def clean_or_none(value: object) -> object:
    value = clean(value)
    return value or None if isinstance(value, str) else value


def has_control(value: str) -> bool:
    return bool(_CONTROL.search(value))
