"""Dates as invoices print them: 2024年06月18日, 2024-06-18, 2024/6/18, 2024.06.18,
18/06/2024 (day first: Hong Kong and English receipts), 18 Jun 2024, and Taiwan's ROC years
(民國113年6月18日, 113年06月18日, 113/06/18: year + 1911).

Only whole dates: a month alone (a nameplate's 2023.11, a Taiwan invoice's period 113年05-06月)
is no date. A date that does not exist (31 June) or lies outside the plausible years is no
date either: a misread digit must not become a purchase date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from backend.kernel import clock

MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MONTH = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# A day that runs into a time ("2019-07-0421:58:26": OCR ate the space) is its first two
# digits; else one or two digits not followed by another.
_DAY = r"(?P<d>\d{2}(?=\d{1,2}:\d{2})|\d{1,2}(?!\d))"
_NOT_AFTER_DIGIT = r"(?<![\d.])"
PATTERNS = [
    # 民國113年6月18日, 113年06月18日: an ROC year (three digits, or two after 民國).
    ("roc", re.compile(r"(?:民[国國]\s*(?P<y>\d{2,3})|" + _NOT_AFTER_DIGIT + r"(?P<y3>1\d{2}))"
                       r"\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?")),
    ("ymd", re.compile(_NOT_AFTER_DIGIT + r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*"
                       r"(?P<d>\d{1,2})\s*日?")),
    ("ymd", re.compile(_NOT_AFTER_DIGIT + r"(?P<y>(?:19|20)\d{2})\s?(?P<sep>[-/.])\s?(?P<m>\d{1,2})"
                       r"\s?(?P=sep)\s?" + _DAY)),
    # 113/06/18: three-digit ROC years with slashes (never a Western date).
    ("roc", re.compile(_NOT_AFTER_DIGIT + r"(?P<y3>1\d{2})(?P<sep>[/.])(?P<m>\d{1,2})(?P=sep)"
                       r"(?P<d>\d{1,2})(?!\d)")),
    ("dmy", re.compile(_NOT_AFTER_DIGIT + r"(?P<d>\d{1,2})\s?(?P<sep>[-/.])\s?(?P<m>\d{1,2})"
                       r"\s?(?P=sep)\s?(?P<y>(?:19|20)\d{2})(?!\d)")),
    ("dmy", re.compile(_NOT_AFTER_DIGIT + r"(?P<d>\d{1,2})\s*" + _MONTH + r",?\s*"
                       r"(?P<y>(?:19|20)\d{2})(?!\d)", re.IGNORECASE)),
    ("mdy", re.compile(r"(?<![a-z])" + _MONTH + r"\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s*"
                       r"(?P<y>(?:19|20)\d{2})(?!\d)", re.IGNORECASE)),
]
# O for 0 and l for 1 between digits: OCR's usual confusions, unambiguous there.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
_LOOKALIKE_IN_NUMBER = re.compile(r"(?<=\d)[OoIl|]+(?=\d)")
EARLIEST_YEAR = 1990


def find_dates(text: str) -> list[tuple[int, int, date]]:
    """The dates in a text with where each starts and ends, in order; overlapping readings
    of one place (113年06月18日 as ROC, never also as something else) count once."""
    text = _LOOKALIKE_IN_NUMBER.sub(lambda m: m.group().translate(_DIGIT_LOOKALIKES), text)
    found: list[tuple[int, int, date]] = []
    for style, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end, _ in found):
                continue
            day = _date(style, match.groupdict())
            if day is not None:
                found.append((match.start(), match.end(), day))
    return sorted(found, key=lambda item: item[0])


def _date(style: str, parts: dict[str, str | None]) -> date | None:
    year_text = parts.get("y") or parts.get("y3")
    if year_text is None:
        return None
    year = int(year_text)
    if style == "roc":
        year += 1911
    month_name = parts.get("mon")
    month = MONTHS[month_name.lower()[:3]] if month_name else int(parts.get("m") or 0)
    try:
        day = date(year, month, int(parts.get("d") or 0))
    except ValueError:
        return None
    # Not before the appliances we service were made, not after today (the test clock in the
    # suite): a date outside is a misread.
    if not EARLIEST_YEAR <= day.year or day > clock.utcnow().date() + timedelta(days=1):
        return None
    return day


def compact_date(digits: str) -> date | None:
    """20240618 (an invoice QR code's date field)."""
    if not re.fullmatch(r"(?:19|20)\d{6}", digits):
        return None
    return _date("ymd", {"y": digits[:4], "m": digits[4:6], "d": digits[6:]})


def roc_compact_date(digits: str) -> date | None:
    """1130618 (a Taiwan e-invoice QR code's date: ROC year, month, day)."""
    if not re.fullmatch(r"1\d{6}", digits):
        return None
    return _date("roc", {"y3": digits[:3], "m": digits[3:5], "d": digits[5:]})
