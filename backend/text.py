"""Free text from chats, made safe to store: no control characters (PostgreSQL refuses NUL in
text), surrounding whitespace trimmed. Line breaks and tabs stay."""

from __future__ import annotations

import re

from pydantic import AfterValidator

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


def refuse_control(value: object) -> object:
    """For names and filters that are looked up (a username, a city): one with a control
    character cannot have been stored, and PostgreSQL fails on a NUL even in a lookup."""
    if isinstance(value, str) and has_control(value):
        raise ValueError("control characters are not allowed")
    return value


# `Annotated[str, NoControl]`: a 422 instead of a database error.
NoControl = AfterValidator(refuse_control)
