"""What a customer says about a product they own, for its registration (forms.py's
register_product): model and serial numbers as printed (read in printed_codes.py), the
purchase date (purchase_date.py), where it was bought (purchase_place.py), and an optional
detail they do not know."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from bot.dialogue.extract import is_non_answer
from bot.dialogue.printed_codes import model_in, serial_in, without_codes
from bot.dialogue.purchase_date import read_purchase_date
from bot.dialogue.purchase_place import find_shop
from nlu.brands import misspelt_brand
from nlu.client import Parse
from nlu.entities import BRAND_RE

Accept = Callable[[str, Parse | None, datetime], str | None]

# A model or serial number as printed: letters, digits and - / . _ + ( ) and single spaces.
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/._+ ()]{1,63}$")


def _printed(code: str | None) -> str | None:
    return code if code and _CODE.match(code) else None


def accept_model(text: str, parse: Parse | None, now: datetime) -> str | None:
    """The model number in an answer to "which model?" (printed_codes.model_in), else the
    NLU's model entity unless it is the serial number the answer gives ("机身码 A1B2C3")."""
    found = _printed(model_in(text, answering=True))
    entity = parse.entity("model") if parse else None
    if found is None and entity and any(c.isdigit() for c in entity):
        serial = serial_in(text, answering=False) or ""
        found = None if entity in serial else _printed(entity)
    return found


def accept_serial(text: str, parse: Parse | None, now: datetime) -> str | None:
    return _printed(serial_in(text, answering=True))


def or_not_known(accept: Accept) -> Accept:
    """An optional detail the customer does not know ("不记得", "not sure"): left empty."""
    def take(text: str, parse: Parse | None, now: datetime) -> str | None:
        return "" if is_non_answer(text) else accept(text, parse, now)
    return take


def purchase_date_in(lang: str | None) -> Accept:
    """The purchase date's accept in a conversation in `lang` (民國 years in zh-Hant)."""
    def accept(text: str, parse: Parse | None, now: datetime) -> str | None:
        day = read_purchase_date(without_codes(text), now.date(), lang)
        return day.isoformat() if day else None
    return accept


accept_purchase_date = purchase_date_in(None)


def accept_shop(text: str, parse: Parse | None, now: datetime) -> str | None:
    """Where it was bought: the shop the words name ("在京东买的": 京东), else the answer."""
    found = find_shop(text)
    if found:
        return found
    value = " ".join(text.split())
    return value if 2 <= len(value) <= 200 and not is_non_answer(value) else None


_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{6,}(?![A-Za-z0-9])")

# ---- details said in passing ("格力的, 型号KFR-35GW, 序列号9G35A12, 2025年11月20号买的") ----


def find_brand(text: str) -> str | None:
    """A brand named in `text`: as the lexicon knows it, else a Latin word one typo from a
    known brand's name ("Samsumg" → SAMSUNG)."""
    found = BRAND_RE.search(text)
    if found:
        return found.group(0)
    return next(filter(None, map(misspelt_brand, _LATIN_WORD.findall(text))), None)


def find_serial(text: str) -> str | None:
    """A serial number said in passing: only after its word (序列号, 机身码, S/N)."""
    return serial_in(text, answering=False)


def find_model(text: str) -> str | None:
    """The model after its word, else after a brand or the first code of letters and digits
    that no word says is something else (the serial number, an order)."""
    return model_in(text, answering=False)


# Any day is past for this check: `accept_purchase_date`, on the engine's clock, decides.
_ANY_TODAY = date(9000, 1, 1)


def find_purchase_date(text: str) -> str | None:
    """The message itself when it names a purchase day, in any reading of its years (the
    slot's accept reads the day in the conversation's language)."""
    rest = without_codes(text)
    named = any(read_purchase_date(rest, _ANY_TODAY, lang) for lang in (None, "zh-Hant"))
    return text if named else None


# An answer that says something rather than names a brand: "want to register it for the
# warranty", 我想先登记保修, "bought it last week".
_SENTENCE = re.compile(r"\b(?:register|warranty|guarantee|want|need|please|bought|buy|got)\b|"
                       r"登记|登記|保修|保固|保養|买的|買的|我想|想要", re.I)
_HAN = re.compile(r"[\u3400-\u9fff]")


def accept_brand(text: str, parse: Parse | None, now: datetime) -> str | None:
    """A brand the lexicon knows, as written ("Sony" of "Sony XR-65X90L"), else the answer
    when it reads as a name (a few words, no sentence)."""
    value = find_brand(text) or (parse.entity("brand") if parse else None)
    if value is None:
        value = text.strip()
        if (len(value.split()) > 3 or len(_HAN.findall(value)) > 6
                or _SENTENCE.search(value)):
            return None
    return value if 1 <= len(value) <= 50 and not is_non_answer(value) else None
