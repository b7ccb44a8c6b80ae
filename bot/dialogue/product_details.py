"""What a customer says about a product they own, for its registration (forms.py's
register_product): model and serial numbers as printed, the purchase date, and an optional
detail they do not know."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from bot.dialogue.extract import is_non_answer
from bot.dialogue.purchase_date import read_purchase_date
from nlu.client import Parse
from nlu.entities import BRAND_RE

Accept = Callable[[str, Parse | None, datetime], str | None]

# A model or serial number as printed: letters, digits and - / . _ (KFR-35GW/BP, SN 1234 5678).
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/._ ]{1,63}$")


# One printed code inside other words ("型号是KFR-35GW", "it says WAX32M40 on the back").
_CODE_IN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9][A-Za-z0-9\-/._]{2,63}(?![A-Za-z0-9])")


# What people type before the code itself: "SN 4512…", "S/N:", "型号：".
_LABEL = re.compile(r"^\s*(?:s/?n|serial(?:\s+no\.?)?|model(?:\s+no\.?)?|no\.|序列号|序號|"
                    r"序列號|型号|型號|编号|編號)\s*[:：#]?\s*", re.I)


def _code(text: str, parse: Parse | None, good: Callable[[str], bool]) -> str | None:
    """The answer as typed (without a label; every part with a digit: "4512 8870 22"), else
    the NLU's model entity, else the one code in the words."""
    whole = _LABEL.sub("", text).strip()
    if not all(any(c.isdigit() for c in part) for part in whole.split()):
        whole = ""
    candidates = [whole, (parse.entity("model") if parse else None) or ""]
    candidates += [m for m in _CODE_IN.findall(text) if good(m)][:1]
    return next((c for c in candidates if c and _CODE.match(c) and good(c)), None)


def accept_model(text: str, parse: Parse | None, now: datetime) -> str | None:
    return _code(text, parse, lambda code: any(c.isdigit() for c in code))


def accept_serial(text: str, parse: Parse | None, now: datetime) -> str | None:
    return _code(text, None, lambda code: sum(c.isalnum() for c in code) >= 6
                 and any(c.isdigit() for c in code))


def or_not_known(accept: Accept) -> Accept:
    """An optional detail the customer does not know ("不记得", "not sure"): left empty."""
    def take(text: str, parse: Parse | None, now: datetime) -> str | None:
        return "" if is_non_answer(text) else accept(text, parse, now)
    return take


def accept_purchase_date(text: str, parse: Parse | None, now: datetime) -> str | None:
    day = read_purchase_date(text, now.date())
    return day.isoformat() if day else None


# ---- details said in passing ("格力的, 型号KFR-35GW, 序列号9G35A12, 2025年11月20号买的") ----

# A serial number is taken in passing only after its label; the model is the first other code.
_SERIAL_LABELED = re.compile(
    r"(?:s/?n|serial(?:\s+(?:no\.?|number))?|序列号|序列號|序號|序号|机身编码|機身編碼|机身编号|"
    r"機身編號|编号|編號)\s*(?:is|係|是|为|為)?\s*[:：#]?\s*([A-Za-z0-9][A-Za-z0-9\-/._]{3,63})",
    re.I)


def find_brand(text: str) -> str | None:
    found = BRAND_RE.search(text)
    return found.group(0) if found else None


def find_serial(text: str) -> str | None:
    found = _SERIAL_LABELED.search(text)
    return found.group(1) if found else None


def find_model(text: str) -> str | None:
    """The first code of letters and digits that is not the serial number or a date."""
    serial = find_serial(text)
    for code in _CODE_IN.findall(text):
        if (code != serial and any(c.isdigit() for c in code) and any(c.isalpha() for c in code)
                and len(code) >= 4):
            return code
    return None


# Any day is past for this check: `accept_purchase_date`, on the engine's clock, decides.
_ANY_TODAY = date(9000, 1, 1)


def find_purchase_date(text: str) -> str | None:
    """The message itself when it names a purchase day (the slot's accept reads the day)."""
    return text if read_purchase_date(text, _ANY_TODAY) else None


def accept_brand(text: str, parse: Parse | None, now: datetime) -> str | None:
    """A brand the lexicon knows, as written ("Sony" of "Sony XR-65X90L"), else the answer."""
    value = find_brand(text) or (parse.entity("brand") if parse else None) or text.strip()
    return value if 1 <= len(value) <= 50 and not is_non_answer(value) else None
