"""Appointment times as customers write them, normalised to a date and a time window.

"明天下午", "週六上午", "下周一", "11月28日上午", "next Monday morning", "tomorrow 3pm",
"2026-11-28 afternoon" → Appointment(date, window). The windows' hours are the backend's
business calendar's (APPOINTMENT_WINDOWS; by default morning 08–12, afternoon 12–18, evening
18–20), so a time the customer names lands in the window staff book.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backend.kernel import business_calendar

# How far ahead an appointment can be booked.
MAX_DAYS_AHEAD = 60


@dataclass(frozen=True)
class Appointment:
    date: date
    window: str | None  # morning | afternoon | evening, or None for any time that day

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.window}" if self.window else self.date.isoformat()

    @classmethod
    def from_str(cls, value: str) -> Appointment:
        day, _, window = value.partition(" ")
        return cls(date.fromisoformat(day), window or None)


_RELATIVE = [
    (r"大后天|大後天|大後日|大后日", 3), (r"后天|後天|後日|后日|后儿|後兒|day after tomorrow", 2),
    (r"明天|明日|明儿|明兒|聽日|听日|tomorrow|tmr|tmrw|tmw", 1),
    (r"今天|今日|今儿|今兒|today|tonight|tdy", 0),
]
_CN_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_EN_WEEKDAY = {name: i for i, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
_EN_WEEKDAY.update({name[:3]: i for name, i in list(_EN_WEEKDAY.items())})
_MONTHS = {name: i + 1 for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_WINDOW_WORDS = [
    ("morning", r"上午|早上|早晨|上晝|朝早|morning|\bmorn\b|\bmrng\b|\bam\b"),
    ("afternoon", r"下午|中午|下晝|晏晝|afternoon|noon|\baftn\b|\barvo\b|\baft\b"),
    ("evening", r"晚上|傍晚|夜晚|今晚|evening|tonight|night"),
]


def _window_from_hour(hour: int) -> str | None:
    return business_calendar.current().window_at(hour)


# Hours written in Chinese numerals: 十点, 两點, 十一點半.
_CN_HOURS = {"一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}
_CN_CLOCK = re.compile(r"(十[一二]?|[一二两兩三四五六七八九])\s*(?:点|點|时|時)")


def _arabic_hours(text: str) -> str:
    return _CN_CLOCK.sub(lambda m: f"{_CN_HOURS[m.group(1)]}点", text)


def _window(text: str) -> tuple[str | None, bool]:
    """The time window named in the text, and whether an hour outside service hours was named."""
    text = _arabic_hours(text)
    clock = re.search(r"(\d{1,2})\s*(?::|：|点|點|时|時)\s*(\d{0,2})", text) or re.search(
        r"\b(\d{1,2})\s*(am|pm)\b", text)
    if clock:
        hour = int(clock.group(1))
        suffix = clock.group(2) if clock.lastindex and clock.lastindex >= 2 else ""
        if suffix == "pm" or (re.search(r"下午|晚上|傍晚|下晝|晏晝|夜晚|pm", text) and hour < 12):
            hour = hour + 12 if hour < 12 else hour
        window = _window_from_hour(hour)
        return window, window is None
    # The window named first ("下晝先嚟，朝早我要返工": the afternoon).
    named = [(found.start(), name) for name, pattern in _WINDOW_WORDS
             if (found := re.search(pattern, text))]
    return (min(named)[1], False) if named else (None, False)


def _day(text: str, today: date) -> date | None:
    iso = re.search(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", text)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    month_day = re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?", text)
    if month_day:
        return _next_date(int(month_day.group(1)), int(month_day.group(2)), today)
    english = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*\b", text) or re.search(
        r"\b([a-z]{3})[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?\b", text)
    if english:
        a, b = english.group(1), english.group(2)
        day, month = (a, b) if a.isdigit() else (b, a)
        if month in _MONTHS:
            return _next_date(_MONTHS[month], int(day), today)
    for pattern, offset in _RELATIVE:
        if re.search(pattern, text):
            return today + timedelta(days=offset)
    cn = re.search(r"(下个?|下個?|这个?|這個?|本)?\s*(?:周|週|星期|礼拜|禮拜)([一二三四五六日天末])", text)
    if cn:
        return _weekday(today, _CN_WEEKDAY[cn.group(2)], next_week=bool(
            cn.group(1) and cn.group(1)[0] == "下"))
    en = re.search(r"\b(?:(next|this|coming)\s+)?(monday|tuesday|wednesday|thursday|friday|"
                   r"saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat)\b", text)
    if en:
        return _weekday(today, _EN_WEEKDAY[en.group(2)[:3]], next_week=en.group(1) == "next")
    return _day_of_month(text, today)


# A day of the month alone: "20号下午", "the 15th", "15/12" or "12/15" (whichever comes first
# from today). Not a building, floor or door number: 3号楼, 15th floor, 5号院.
_CN_DAY = re.compile(r"(?<![^\s，,。:：;；月是到改在约約或和、])(\d{1,2})\s*[号號日]"
                     r"(?![\d楼樓院门門室栋棟座单單线線仔铺舖])")
_EN_DAY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b(?!\s*(?:floor|fl\b|flr|street|st\b|ave|"
                     r"avenue|road|rd\b|lane|block|blk))")
_NUMERIC_DAY = re.compile(r"(?<![\d/\-])(\d{1,2})/(\d{1,2})(?![\d/])")


def _day_of_month(text: str, today: date) -> date | None:
    numeric = _NUMERIC_DAY.search(text)
    if numeric:
        a, b = int(numeric.group(1)), int(numeric.group(2))
        candidates = [d for d in (_next_date(b, a, today), _next_date(a, b, today)) if d]
        return min(candidates, default=None)
    alone = _CN_DAY.search(text) or _EN_DAY.search(text)
    if not alone:
        return None
    day = int(alone.group(1))
    this_month = _safe_date(today.year, today.month, day)
    if this_month and this_month >= today:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return _safe_date(year, month, day)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_date(month: int, day: int, today: date) -> date | None:
    """A month and day without a year: this year's, or next year's if it has passed."""
    candidate = _safe_date(today.year, month, day)
    if candidate and candidate < today:
        candidate = _safe_date(today.year + 1, month, day)
    return candidate


def _weekday(today: date, weekday: int, *, next_week: bool) -> date:
    if next_week:
        monday_next_week = today + timedelta(days=7 - today.weekday())
        return monday_next_week + timedelta(days=weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def parse_when(text: str, *, now: datetime) -> Appointment | None:
    """The appointment the text asks for, or None when it names no day."""
    lowered = text.lower()
    day = _day(lowered, now.date())
    if day is None:
        return None
    window, _ = _window(lowered)
    return Appointment(day, window)


def earliest(now: datetime) -> Appointment:
    """The first day a visit can still be booked: today until an hour before service ends,
    else tomorrow; any time that day."""
    today = Appointment(now.date(), None)
    if problem_with(today, "", now=now) is None:
        return today
    return Appointment(now.date() + timedelta(days=1), None)


def problem_with(appointment: Appointment, text: str, *, now: datetime) -> str | None:
    """Why the appointment cannot be booked (a catalogue key), or None when it can."""
    _, outside_hours = _window(text.lower())
    if outside_hours:
        return "invalid.when_hours"
    if appointment.date < now.date():
        return "invalid.when_past"
    if appointment.date > now.date() + timedelta(days=MAX_DAYS_AHEAD):
        return "invalid.when_far"
    if appointment.date == now.date():
        end = business_calendar.current().window(appointment.window or "evening")[1]
        if now.hour * 60 >= end - 60:  # from an hour before the window ends
            return "invalid.when_past"
    return None
