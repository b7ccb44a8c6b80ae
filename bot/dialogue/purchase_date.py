"""Purchase dates as customers write them, for the warranty check.

Reads the answer to "When did you buy it? (the date on the invoice)" in Simplified or Traditional
Chinese (Cantonese forms included) or English: "2025-03-15", "15/03/2025", "20250315",
"2025年3月15号", "二〇二五年三月十五日", "三月廿五號", "上周三", "上個月15號", "去年双十一",
"大概係上年雙十一買嘅", "618", "March 15th 2025", "the 15th of March", "last Friday",
"the day before yesterday", "3天前" → datetime.date. In Taiwan (a zh-Hant conversation, or
the words say 民國) years are also the Republic's: "民國114年5月20日", "114/5/20" are 2025-05-20.

The date decides whether the appliance is still under warranty, and a wrong date silently moves
the warranty's end, so this reader never guesses: it returns None, and the bot asks again,
whenever the text does not name one specific day (a month alone, "去年", "a while ago", "3月15号
还是16号"), names an impossible or future day, or writes a numeric date that reads two ways.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

# A kind of date read: (its match, the whole text, today, the conversation's language).
Reader = Callable[[re.Match[str], str, date, str | None], date | None]

# Chinese numerals before 年/月/日/号/天 or after 月: 二〇二五年, 三月十五日, 十二月廿五號, 三天前.
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2, "兩": 2}
_CN_NUMBER = re.compile(r"[〇零一二三四五六七八九十百两兩]+(?=\s*[年月日号號天])|"
                        r"(?<=月)[〇零一二三四五六七八九十两兩]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SENTENCE_END = re.compile(r"[。.!?！？;；\n]")
# Two candidate days: "3月15号还是16号", "the 15th or 16th".
_ALTERNATIVE = re.compile(r"(?:或者|或是|还是|還是|定係|定系|抑或)\s*\d|\bor\s+(?:on\s+)?(?:the\s+)?\d")

_YEAR_WORDS = re.compile(
    r"大前年|前年|去年|上年|旧年|舊年|今年|(?:the )?year before last|last year|this year")
_YEARS_BACK = {"大前年": 3, "前年": 2, "the year before last": 2, "year before last": 2, "今年": 0,
               "this year": 0}  # others: 1
# A year written out: 2024年, "in 2024".
_WRITTEN_YEAR = re.compile(r"(?<!\d)(20\d\d)(?:\s*年|(?!\d))")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = (r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
          r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
# After an English day and month: a year ("2025", "-25", "'25"), or no number at all ("March 15 25"
# is not read).
_YEAR_TAIL = r"(?:[,\s\-']+(?P<year>\d{4}|(?<=[-'])\d{2})(?!\d)|(?![,\s\-']*\d))"
_ORDINAL = r"(?:st|nd|rd|th)?"

_NUMERIC = re.compile(r"(?<!\d)(?<!\d[/.\-])(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})(?!\d|[/.\-]\d)")
_COMPACT = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)(?P<month>0[1-9]|1[0-2])"
                      r"(?P<day>0[1-9]|[12]\d|3[01])(?!\d)")
# The year of 民國 (the Republic of China, Taiwan's): 1911 + its number.
_ROC = re.compile(r"民國|民国")
_ROC_BASE = 1911
_CN_DATE = re.compile(r"(?:(?P<roc>民國|民国)?\s*(?<!\d)(?P<year>\d{2,4})\s*年\s*)?(?<!\d)"
                      r"(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})(?!\d)")
_EN_DAY_FIRST = re.compile(rf"(?<![\d/.\-])(?P<day>\d{{1,2}}){_ORDINAL}(?:\s*-\s*|\s+(?:of\s+)?)"
                           rf"{_MONTH}{_YEAR_TAIL}")
_EN_MONTH_FIRST = re.compile(rf"\b{_MONTH}(?:\s*-\s*|\s+(?:the\s+)?)(?P<day>\d{{1,2}}){_ORDINAL}\b"
                             rf"{_YEAR_TAIL}")
# Shopping festivals and holidays; the group name is the month and day.
_FESTIVAL = re.compile(
    r"(?P<d1111>[双雙]\s*(?:十一|11)|(?<!\d)11\.11(?!\d)|\bdouble\s*(?:11|eleven)\b|singles'?\s*day)"
    r"|(?P<d1212>[双雙]\s*(?:十二|12)|(?<!\d)12\.12(?!\d)|\bdouble\s*(?:12|twelve)\b)"
    r"|(?P<d0501>(?<![\d一二三四五六七八九十])五一(?![\d一二三四五六七八九十])|劳动节|勞動節)"
    r"|(?P<d0618>(?<![\d.$])618(?![\d元块塊蚊%]))|(?P<d1001>国庆|國慶)"
    r"|(?P<d1225>圣诞|聖誕|christmas|xmas)|(?P<d0101>元旦|new year'?s day)"
    r"|(?P<black_friday>black friday|黑色星期五|黑五)")
_RELATIVE_MONTH = re.compile(
    r"(?P<back>上+|这|這|本|呢)\s*[个個]?\s*月\s*(?P<day>\d{1,2})(?!\d)"
    rf"|(?:the\s+)?(?P<eday>\d{{1,2}}){_ORDINAL}\s+of\s+(?P<eback>last|this)\s+month")
_CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY = re.compile(
    r"(?P<back>上+|这|這|本)?\s*[个個]?\s*(?:周|週|星期|礼拜|禮拜)(?P<cn>[一二三四五六日天])"
    rf"|\b(?:(?P<eback>last|this)\s+)?(?P<en>{'|'.join(_EN_WEEKDAYS)})\b(?P<ago>\s+last\s+week)?")
_DAYS_AGO = re.compile(
    r"(?P<d3>大前[天日])|(?P<d2>前[天日]|day before yesterday)|(?P<d1>昨[天日]|琴日|[寻尋噚]日|yesterday)"
    r"|(?P<d0>今[天日]|today|this morning)|(?<!\d)(?P<n>\d{1,3})\s*(?:天|日|days?)\s*之?\s*(?:前|ago)")


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _below_hundred(numeral: str) -> int | None:
    """十五, 二十, 三 → 15, 20, 3; None for what is no such number."""
    tens, ten, units = numeral.partition("十")
    if not ten:
        return _CN_DIGITS[numeral] if len(numeral) == 1 else None
    if len(tens) > 1 or len(units) > 1 or units == "十":
        return None
    return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(units, 0)


def _arabic(found: re.Match[str]) -> str:
    """二〇二五 → 2025, 十五 → 15, 一百一十四 (a 民國 year) → 114; else the numeral as written."""
    numeral = found.group()
    hundreds, hundred, rest = numeral.partition("百")
    if hundred:
        low = _below_hundred(rest.lstrip("零〇")) if rest.lstrip("零〇") else 0
        if len(hundreds) > 1 or "百" in rest or low is None:
            return numeral
        return str(_CN_DIGITS.get(hundreds, 1) * 100 + low)
    if "十" not in numeral:
        return "".join(str(_CN_DIGITS[c]) for c in numeral)
    value = _below_hundred(numeral)
    return numeral if value is None else str(value)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("廿", "二十").replace("卅", "三十")
    return _CN_NUMBER.sub(_arabic, text)


def _latest(make: Callable[[int], date | None], today: date) -> date | None:
    """The most recent day make(year) gives that is not after today (Feb 29: up to 8 years back)."""
    for year in range(today.year, today.year - 9, -1):
        day = make(year)
        if day is not None and day <= today:
            return day
    return None


def _on(make: Callable[[int], date | None], found: re.Match[str], text: str,
        today: date) -> date | None:
    """make's day in the year a nearby year word names (去年双十一, March 15 last year), or else
    the most recent one. A year word counts in the same sentence and within 12 characters."""
    near = []
    for word in _YEAR_WORDS.finditer(text):
        before = word.end() <= found.start()
        gap = text[word.end():found.start()] if before else text[found.end():word.start()]
        if len(gap) <= 12 and not _SENTENCE_END.search(gap):
            near.append((len(gap), word.group()))
    if not near:
        return _latest(make, today)
    return make(today.year - _YEARS_BACK.get(min(near)[1], 1))


def _roc(text: str, lang: str | None) -> bool:
    """Whether years may be the Republic's: in Taiwan's Chinese, or said to be (民國)."""
    return lang == "zh-Hant" or _ROC.search(text) is not None


def _year(found: re.Match[str], text: str, today: date, lang: str | None) -> int | None:
    """The year before 年: four digits as written; 民國 114, or 114 in zh-Hant, is 2025; two
    digits are this century's (25年: 2025), except in zh-Hant when that is after this year
    (99年: 民國 99, 2010); another three digits are no year."""
    raw = found.group("year")
    value = int(raw)
    if len(raw) == 4:
        return value
    if found.group("roc") or _ROC.search(text):
        return value + _ROC_BASE
    if len(raw) == 2 and (lang != "zh-Hant" or 2000 + value <= today.year):
        return 2000 + value
    return value + _ROC_BASE if lang == "zh-Hant" and value < 200 else None


def _numeric(found: re.Match[str], text: str, today: date, lang: str | None) -> date | None:
    a, _, b, c = found.groups()
    x, y, z = int(a), int(b), int(c)
    if len(a) == 4:
        return _safe(x, y, z) if len(c) <= 2 else None
    if len(a) == 3:  # 114/5/20: the 114th year of 民國
        return (_safe(x + _ROC_BASE, y, z) if _roc(text, lang) and x < 200 and len(c) <= 2
                else None)
    if len(c) == 3:
        return None
    if len(c) == 4:
        # Day/month when the first is over 12, or both fit and the text or the conversation is
        # Chinese (mainland and Hong Kong invoices: 15/8/2026, 5/3/2025 is 5 March).
        chinese = _CJK.search(text) or (lang or "").startswith("zh")
        return _safe(z, y, x) if x > 12 or (y <= 12 and chinese) else _safe(z, x, y)
    readings = {d for d in (_safe(2000 + x, y, z), _safe(2000 + z, y, x), _safe(2000 + z, x, y))
                if d is not None and d <= today}
    return readings.pop() if len(readings) == 1 else None


def _dated(found: re.Match[str], text: str, today: date, lang: str | None = None) -> date | None:
    """A day and month (digits or an English name), with the year written or else implied."""
    name, day = found.group("month"), int(found.group("day"))
    month = int(name) if name.isdigit() else _MONTHS.index(name[:3]) + 1
    if found.group("year"):
        year = int(found.group("year").lstrip("'"))
        return _safe(year + 2000 if year < 100 else year, month, day)
    return _on(lambda y: _safe(y, month, day), found, text, today)


def _cn_dated(found: re.Match[str], text: str, today: date, lang: str | None) -> date | None:
    """2025年3月15日, 民國114年5月20日, 25年12月20号, or 3月15日 in the year implied."""
    if found.group("year") is None:
        return _dated(found, text, today)
    year = _year(found, text, today, lang)
    return _safe(year, int(found.group("month")), int(found.group("day"))) if year else None


def _black_friday(year: int) -> date:
    first = date(year, 11, 1)
    thanksgiving = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thanksgiving + timedelta(days=1)


def _festival(found: re.Match[str], text: str, today: date, lang: str | None) -> date | None:
    name = found.lastgroup or ""
    if name == "black_friday":
        return _on(_black_friday, found, text, today)
    return _on(lambda y: _safe(y, int(name[1:3]), int(name[3:5])), found, text, today)


def _relative_month(found: re.Match[str], text: str, today: date, lang: str | None) -> date | None:
    back = found.group("back") or found.group("eback")
    months = back.count("上") + (back == "last")
    index = today.year * 12 + today.month - 1 - months
    return _safe(index // 12, index % 12 + 1, int(found.group("day") or found.group("eday")))


def _weekday(found: re.Match[str], text: str, today: date, lang: str | None) -> date | None:
    """上周三 / last Wednesday: that day of the previous Monday-to-Sunday week; 这周三 / this
    Wednesday: of this week; 周三 / on Wednesday alone: the most recent one before today."""
    cn, en = found.group("cn"), found.group("en")
    weekday = _CN_WEEKDAYS[cn] if cn else _EN_WEEKDAYS.index(en)
    back = found.group("back") or found.group("eback") or ("last" if found.group("ago") else None)
    if back is None:
        return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    weeks = back.count("上") + (back == "last")
    return today - timedelta(days=today.weekday() + 7 * weeks - weekday)


def _days_ago(found: re.Match[str], text: str, today: date, lang: str | None) -> date | None:
    name = found.lastgroup or ""
    return today - timedelta(days=int(found.group("n") if name == "n" else name[1]))


# Most explicit first; the first kind of date the text contains decides.
_RULES: list[tuple[re.Pattern[str], Reader]] = [
    (_NUMERIC, _numeric), (_COMPACT, _dated), (_CN_DATE, _cn_dated), (_EN_DAY_FIRST, _dated),
    (_EN_MONTH_FIRST, _dated), (_FESTIVAL, _festival), (_RELATIVE_MONTH, _relative_month),
    (_WEEKDAY, _weekday), (_DAYS_AGO, _days_ago),
]


def year_named(text: str, this_year: int) -> int | None:
    """The year a purchase is placed in without its day: by a year word ("去年买的那台", "the one
    I got last year": `_YEAR_WORDS`) or written out (2024年, in 2024); None for neither."""
    word = _YEAR_WORDS.search(" ".join(text.lower().split()))
    if word:
        return this_year - _YEARS_BACK.get(word.group(), 1)
    written = _WRITTEN_YEAR.search(text)
    return int(written.group(1)) if written else None


def read_purchase_date(text: str, today: date, lang: str | None = None) -> date | None:
    """The day the customer says they bought the appliance, or None unless exactly one day is
    named and it is a real day not after today.

    Numeric dates: a four-digit year first is year-month-day (2025-3-15, 2025/3/15, 2025.3.15,
    20250315). A four-digit year last: if the first number is over 12 it is the day (15/03/2025);
    if the second is over 12, month/day (3/15/2025); if both are 12 or less, day/month when the
    text contains Chinese characters (HK and mainland invoices: "发票 5/3/2025" is 5 March), else
    month/day ("5/3/2025" alone or in English is May 3); a reading that is not a real day, or is
    after today, gives None rather than trying the other order. Two-digit years (25/3/15): the
    year-first, day-first and month-first readings are all tried, and a date is returned only when
    exactly one of them is a real day not after today (3/15/25), else None (25/3/15).

    Without a year (3月15日, March 15, 双十一, 618), the most recent such day not after today; with
    a year word (今年, 去年/上年/舊年, 前年, last year), that year's, even if it is after today
    (then None). Also None: a month or year alone, vague times, two candidate days, 上周末.

    `lang`, the conversation's language: in zh-Hant (or when the text says 民國) a year of two
    or three digits below 200 may be the Republic's (see `_year`; 114/5/20 is 2025-05-20), and
    numeric dates are read day first in Chinese conversations as in Chinese texts.
    """
    text = _normalise(text)
    if _ALTERNATIVE.search(text):
        return None
    for pattern, read in _RULES:
        days = {read(found, text, today, lang) for found in pattern.finditer(text)}
        if days:
            day = days.pop() if len(days) == 1 else None
            return day if day is not None and day <= today else None
    return None
