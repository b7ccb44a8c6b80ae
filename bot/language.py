"""Which language a customer wrote in: zh-Hans, zh-Hant or en.

Replies follow the language of the customer's latest message. Text that does not tell
(digits, a ticket number, "ok", characters common to both Chinese scripts) keeps the
conversation's current language, or the hint from the chat client's own language setting.
"""

from __future__ import annotations

import re

import hanzidentifier

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
DEFAULT_LANGUAGE = "zh-Hans"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Written Cantonese: particles and words Mandarin does not use (唔, 嘅, 咗, 喺, 冇, 嚟 ...).
_CANTONESE = re.compile(r"[唔嘅咗喺冇嚟啲咩乜佢嗰咁睇搵俾畀嘢嘥咪嚿]|得唔得|^早晨$|朝早")
# Words that do not show a preference for English in a Chinese conversation.
_NEUTRAL_WORDS = {"ok", "okay", "hi", "tv", "ac", "hello", "thx", "pls"}


def from_locale(code: str | None) -> str | None:
    """Map a client locale such as 'zh-hans', 'zh-TW', 'zh-HK' or 'en-GB' to our languages."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-Hant" if any(t in code for t in ("hant", "tw", "hk", "mo")) else "zh-Hans"
    if code.startswith("en"):
        return "en"
    return None


def detect_language(text: str, *, current: str | None = None, hint: str | None = None,
                    answering: str | None = None) -> str:
    """The language to answer in. `answering`: the detail a form is asking for; a short
    answer to it in another language (an English street name, "ok", 冷氣 in an English
    conversation) keeps the conversation's language, and an address never switches it."""
    detected = _detect(text, current=current, hint=hint)
    if answering and current and detected != current:
        if answering == "address" or not _says_enough(text, detected):
            return current
    return detected


def _says_enough(text: str, language: str) -> bool:
    """Whether a message is written in `language` at more than a word's length."""
    if language == "en":
        return len([w for w in _LATIN_WORD.findall(text)
                    if w.lower() not in _NEUTRAL_WORDS]) >= 4
    return len(_HAN.findall(text)) >= 6


def _mostly_english(text: str, han: str) -> bool:
    """English sentences with a few Chinese words in them ("My 热水器 no hot water lah, the 师傅
    came last year also same problem"): at least twice as many English words as characters."""
    english = [w for w in _LATIN_WORD.findall(text) if w.lower() not in _NEUTRAL_WORDS]
    return len(english) >= max(6, 2 * len(han))


def _detect(text: str, *, current: str | None, hint: str | None) -> str:
    fallback = current or from_locale(hint) or DEFAULT_LANGUAGE
    han = "".join(_HAN.findall(text))
    if han and (len(han) <= 4 and _says_enough(text, "en") or _mostly_english(text, han)):
        return "en"  # English with a Chinese word in it: "my fridge (雪櫃) not cold since last nite"
    if han:
        script = hanzidentifier.identify(han)
        if script == hanzidentifier.TRADITIONAL:
            return "zh-Hant"
        if script == hanzidentifier.SIMPLIFIED:
            # Written Cantonese with a character also used in Simplified (睇吓, 唔该) in a
            # Hong Kong conversation stays Traditional.
            if current == "zh-Hant" and _CANTONESE.search(text):
                return "zh-Hant"
            return "zh-Hans"
        # Characters shared by both scripts (or a mix): written Cantonese is Hong Kong's
        # Traditional Chinese; otherwise stay with the Chinese we had.
        if current is None and _CANTONESE.search(text):
            return "zh-Hant"
        return fallback if fallback.startswith("zh") else DEFAULT_LANGUAGE
    # Tokens with digits (ticket numbers, error codes, model names) say nothing of language.
    plain = " ".join(token for token in text.split() if not any(c.isdigit() for c in token))
    words = [w.lower() for w in _LATIN_WORD.findall(plain)]
    english = [w for w in words if w not in _NEUTRAL_WORDS]
    if english or (words and current is None):
        return "en"
    return fallback
