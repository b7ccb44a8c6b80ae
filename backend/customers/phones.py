"""A customer is found by their phone number without the number being stored in clear: the
customer row keeps a keyed hash (HMAC-SHA256) of the number's canonical form, and a search
hashes what staff type the same way.

Why canonical first: the same number reaches us written many ways. Tickets store what the
customer typed with separators removed (backend/tickets/schemas.py: digits, optional leading
`+`; the bot's `nlu.entities.normalise_phone` gives the same), so "138 0013 8000",
"+86 138-0013-8000" and "0086 13800138000" must all come out as one string. The canonical form
is digits only, country code first, without the trunk `0`:

| typed | canonical |
| --- | --- |
| `+86 …`, `0086 …`, an 11-digit mobile `1[3-9]…`, a landline `0…` of 11–12 digits (`010 12345678`, `0755 1234567`) | `86` + the number without its `0` |
| `+852 …`, `00852 …`, 8 digits starting 2–9 (`9123 4567`) | `852` + the number |
| `+886 …`, `00886 …`, a number `0…` of 9–10 digits (`0912 345 678`, `02 2345 6789`) | `886` + the number without its `0` |
| any other `+…` / `00…` | the digits after it |
| anything else | its digits |

Mainland landlines with the trunk `0` have 11 or 12 digits and Taiwan's 9 or 10, so a number
written without a country code is read as one or the other. Eight digits are read as Hong
Kong's (a Mainland landline without its area code cannot be told apart, and does not say where
it is anyway). The hash key is derived from the field encryption keys
(`backend.kernel.crypto.derive`): no second secret to keep, and a stolen database alone cannot
be searched by guessing numbers. A search tries every configured key (a rotation under way),
writes are keyed with the first."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from backend.kernel import crypto

PURPOSE = b"frontdesk customers.phone_hash v1"
# As many digits as a ticket's phone may hold (backend/tickets/schemas.py: PHONE_MIN, PHONE_MAX).
DIGITS_MIN, DIGITS_MAX = 5, 20
# Country codes and whether their numbers are written at home with a trunk 0.
_CODES = {"86": True, "852": False, "886": True}
_NOT_DIGIT = re.compile(r"[^0-9]")


def _international(digits: str) -> str:
    """The canonical form of digits that follow a `+` or `00`."""
    for code, trunk in _CODES.items():
        if digits.startswith(code):
            national = digits[len(code):]
            if trunk and national.startswith("0"):  # "+86 (0)10 …": the 0 is not dialled
                national = national[1:]
            return code + national
    return digits


def _domestic(digits: str) -> str:
    """The canonical form of a number written without a country code."""
    if len(digits) == 11 and re.match(r"1[3-9]", digits):
        return "86" + digits
    if digits.startswith("0"):
        if len(digits) in (11, 12):
            return "86" + digits[1:]
        if len(digits) in (9, 10):
            return "886" + digits[1:]
    if len(digits) == 8 and digits[0] in "23456789":
        return "852" + digits
    return digits


def normalise(value: str | None) -> str | None:
    """The number's canonical form (digits only, country code first), or None when the value
    is no phone number (fewer than 5 or more than 20 digits)."""
    if not value:
        return None
    text = unicodedata.normalize("NFKC", value).strip()  # full-width ＋８６ as +86
    digits = _NOT_DIGIT.sub("", text)
    if not DIGITS_MIN <= len(digits) <= DIGITS_MAX:
        return None
    if text.startswith("+"):
        return _international(digits)
    if digits.startswith("00"):
        return _international(digits[2:])
    return _domestic(digits)


def _digest(key: bytes, canonical: str) -> str:
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


def hashes(value: str | None) -> list[str]:
    """The number's hash under each configured key, the first key's first; [] for no
    number."""
    canonical = normalise(value)
    if canonical is None:
        return []
    return [_digest(key, canonical) for key in crypto.derive(PURPOSE)]


def current_hash(value: str | None) -> str | None:
    """The number's hash under the first key (what is stored), or None for no number."""
    canonical = normalise(value)
    if canonical is None:
        return None
    return _digest(crypto.derive(PURPOSE)[0], canonical)
