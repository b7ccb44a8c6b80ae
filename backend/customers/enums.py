"""Where customers talk to us, and in which language."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    telegram = "telegram"
    webchat = "webchat"
    terminal = "terminal"


class Language(StrEnum):
    zh_hans = "zh-Hans"
    zh_hant = "zh-Hant"
    en = "en"


DEFAULT_LANGUAGE = Language.zh_hans
