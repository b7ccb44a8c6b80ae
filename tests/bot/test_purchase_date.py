"""Purchase dates as customers write them (bot.dialogue.purchase_date)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dialogue.purchase_date import read_purchase_date

TODAY = date(2026, 12, 8)  # a Tuesday
MARCH_15 = date(2025, 3, 15)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-15", MARCH_15),
    ("2025/3/15", MARCH_15),
    ("2025.3.15", MARCH_15),
    ("20250315", MARCH_15),
    ("15/03/2025", MARCH_15),
    ("3/15/2025", MARCH_15),
    ("15.03.2025.", MARCH_15),
    ("2025-02-28", date(2025, 2, 28)),
    ("2024-02-29", date(2024, 2, 29)),
    ("2026-12-08", TODAY),
    # Both numbers 12 or less: month/day without Chinese, day/month with it.
    ("5/3/2025", date(2025, 5, 3)),
    ("05/03/2025", date(2025, 5, 3)),
    ("Bought on 1/2/2025 I think", date(2025, 1, 2)),
    ("发票日期 5/3/2025", date(2025, 3, 5)),
    ("單據寫 12/10/2026", date(2026, 10, 12)),
    # Two-digit years: only when exactly one reading is a real past day.
    ("3/15/25", MARCH_15),
    ("31/12/25", date(2025, 12, 31)),
])
def test_numeric_dates(text: str, expected: date) -> None:
    assert read_purchase_date(text, TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2025年3月15日", MARCH_15),
    ("2025年3月15号", MARCH_15),
    ("2025 年 3 月 15 日", MARCH_15),
    ("二〇二五年三月十五日", MARCH_15),
    ("二零二五年十二月三十一日", date(2025, 12, 31)),
    ("25年3月15日买的", MARCH_15),
    ("２０２５年３月１５日", MARCH_15),
    ("3月15日", date(2026, 3, 15)),
    ("三月十五號", date(2026, 3, 15)),
    ("十二月三十一日", date(2025, 12, 31)),
    ("三月廿五號", date(2026, 3, 25)),
    ("2月29日", date(2024, 2, 29)),
    ("今年3月15日", date(2026, 3, 15)),
    ("去年3月15号", MARCH_15),
    ("前年3月15号在苏宁买的", date(2024, 3, 15)),
    ("今天", TODAY),
    ("昨天刚买的", date(2026, 12, 7)),
    ("前天", date(2026, 12, 6)),
    ("大前天下午买的", date(2026, 12, 5)),
    ("3天前买的", date(2026, 12, 5)),
    ("上周三", date(2026, 12, 2)),
    ("上星期三", date(2026, 12, 2)),
    ("上个礼拜三在国美买的", date(2026, 12, 2)),
    ("上周日", date(2026, 12, 6)),
    ("上上周五", date(2026, 11, 27)),
    ("星期六买的", date(2026, 12, 5)),
    ("这周一", date(2026, 12, 7)),
    ("上个月15号", date(2026, 11, 15)),
    ("本月3号买的", date(2026, 12, 3)),
    ("去年双十一", date(2025, 11, 11)),
    ("去年双11抢的", date(2025, 11, 11)),
    ("今年双十一", date(2026, 11, 11)),
    ("双十一买的", date(2026, 11, 11)),
    ("双十二", date(2025, 12, 12)),
    ("今年五一", date(2026, 5, 1)),
    ("去年五一假期买的", date(2025, 5, 1)),
    ("国庆节买的", date(2026, 10, 1)),
    ("去年618", date(2025, 6, 18)),
    ("618的时候买的", date(2026, 6, 18)),
    ("前年双十一", date(2024, 11, 11)),
    ("发票上是2025年3月15日", MARCH_15),
    ("我看了下发票，2025.3.15开的", MARCH_15),
    ("嗯…应该是去年的双十一吧，京东下的单", date(2025, 11, 11)),
])
def test_simplified_chinese(text: str, expected: date) -> None:
    assert read_purchase_date(text, TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2025年3月15號", MARCH_15),
    ("上禮拜三", date(2026, 12, 2)),
    ("上個禮拜三喺豐澤買", date(2026, 12, 2)),
    ("上星期日", date(2026, 12, 6)),
    ("上個月15號", date(2026, 11, 15)),
    ("呢個月3號買", date(2026, 12, 3)),
    ("大概係上年雙十一買嘅", date(2025, 11, 11)),
    ("上年5月3號", date(2025, 5, 3)),
    ("舊年聖誕買嘅", date(2025, 12, 25)),
    ("國慶", date(2026, 10, 1)),
    ("去年國慶買的", date(2025, 10, 1)),
    ("琴日先買嘅", date(2026, 12, 7)),
    ("噚日", date(2026, 12, 7)),
    ("前日買咗", date(2026, 12, 6)),
    ("今日啱啱買", TODAY),
    ("我好似係前年三月十五號買", date(2024, 3, 15)),
    ("單據寫住2025年11月11日，喺百老匯買嘅", date(2025, 11, 11)),
    ("電話 98765432，上年雙十一買嘅", date(2025, 11, 11)),
])
def test_traditional_chinese_and_cantonese(text: str, expected: date) -> None:
    assert read_purchase_date(text, TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("March 15, 2025", MARCH_15),
    ("15 March 2025", MARCH_15),
    ("15 Mar 2025", MARCH_15),
    ("Mar 15th 2025", MARCH_15),
    ("the 15th of March 2025", MARCH_15),
    ("15-Mar-25", MARCH_15),
    ("Mar-15-2025", MARCH_15),
    ("Mar. 15 last year", MARCH_15),
    ("the year before last on March 15", date(2024, 3, 15)),
    ("March 15", date(2026, 3, 15)),
    ("15 Mar", date(2026, 3, 15)),
    ("maybe 15 march?", date(2026, 3, 15)),
    ("Dec 25", date(2025, 12, 25)),
    ("today", TODAY),
    ("Bought it today lol", TODAY),
    ("yesterday", date(2026, 12, 7)),
    ("the day before yesterday", date(2026, 12, 6)),
    ("bought it 2 days ago", date(2026, 12, 6)),
    ("last Monday", date(2026, 11, 30)),
    ("last Wednesday", date(2026, 12, 2)),
    ("Last Friday at Best Buy", date(2026, 12, 4)),
    ("Friday last week", date(2026, 12, 4)),
    ("last Sunday", date(2026, 12, 6)),
    ("on Saturday", date(2026, 12, 5)),
    ("the 12th of last month", date(2026, 11, 12)),
    ("on Black Friday last year", date(2025, 11, 28)),
    ("Black Friday", date(2026, 11, 27)),
    ("I think it was last year, on black friday", date(2025, 11, 28)),
    ("last Double 11", date(2026, 11, 11)),
    ("on singles' day last year", date(2025, 11, 11)),
    ("I bought it on 2025-03-15 at JD", MARCH_15),
    ("Receipt says 15 Mar 2025, got it at Fortress", MARCH_15),
    ("hmm the invoice is dated March 15th, 2025 I believe", MARCH_15),
])
def test_english(text: str, expected: date) -> None:
    assert read_purchase_date(text, TODAY) == expected


@pytest.mark.parametrize("text", [
    "",
    "   ",
    "2025年3月",
    "去年3月份",
    "上年12月",
    "上年尾",
    "2025-03",
    "last March",
    "March 2025",
    "a while ago",
    "a few days ago",
    "几天前",
    "早排買嘅",
    "不记得",
    "唔記得喇",
    "去年",
    "记不清了，好像是去年",
    "last week",
    "上周末",
    "15号买的",
    "on the 15th",
    "3/15",
    "March 15 25",
    "3月15号还是16号来着",
    "either the 15th or 16th of March",
    "I bought it on 2025-03-15, delivered 2025-03-20",
    # Ambiguous numeric dates.
    "25/3/15",
    "15/3/25",
    "25.3.15",
    # Impossible days.
    "2025-02-30",
    "2025年2月30日",
    "2/30/2025",
    "13/13/2025",
    "上個月31號",
    # After today.
    "2027年1月1日",
    "2026-12-09",
    "12/10/2026",
    "今年双十二",
    "这周三",
    "本月10号",
    "Jan 1 2027",
])
def test_no_single_past_day(text: str) -> None:
    assert read_purchase_date(text, TODAY) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("12月20日", date(2025, 12, 20)),
    ("十二月二十號", date(2025, 12, 20)),
    ("December 20", date(2025, 12, 20)),
    ("1月3日", date(2026, 1, 3)),
    ("上个月15号", date(2025, 12, 15)),
    ("上周三", date(2025, 12, 31)),
    ("双十二", date(2025, 12, 12)),
    ("去年双十一", date(2025, 11, 11)),
    ("yesterday", date(2026, 1, 4)),
])
def test_no_year_across_new_year(text: str, expected: date) -> None:
    assert read_purchase_date(text, date(2026, 1, 5)) == expected  # a Monday


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 3, 14), date(2026, 12, 31)])
@pytest.mark.parametrize("text", [
    "3月15日", "March 15", "双十一", "618", "上周日", "2025-03-15", "Black Friday", "今年国庆",
])
def test_never_after_today(text: str, today: date) -> None:
    day = read_purchase_date(text, today)
    assert day is None or day <= today


@pytest.mark.parametrize(("text", "lang", "expected"), [
    # Taiwan's 民國 years: 1911 + the year, when the words say 民國 or the chat is zh-Hant.
    ("民國114年5月20日", None, date(2025, 5, 20)),
    ("民国113年12月1号买的", "zh-Hans", date(2024, 12, 1)),
    ("中華民國一百一十三年八月八日", None, date(2024, 8, 8)),
    ("發票是114年5月20日開的", "zh-Hant", date(2025, 5, 20)),
    ("114/5/20", "zh-Hant", date(2025, 5, 20)),
    ("114.05.20 在燦坤買的", "zh-Hant", date(2025, 5, 20)),
    ("民國114-1-3", "en", date(2025, 1, 3)),
    ("99年5月20日", "zh-Hant", date(2010, 5, 20)),           # 民國 99
    ("25年12月20號喺豐澤買嘅", "zh-Hant", date(2025, 12, 20)),  # Hong Kong's 2025
    ("25年12月20号", "zh-Hans", date(2025, 12, 20)),
    # Hong Kong writes the day first, whatever the script of the message.
    ("15/8/2026", "zh-Hant", date(2026, 8, 15)),
    ("3/8/2026", "zh-Hant", date(2026, 8, 3)),
    ("bought 3/8/2026", "en", date(2026, 3, 8)),
])
def test_years_of_the_republic_and_day_first_dates(text: str, lang: str | None,
                                                   expected: date) -> None:
    assert read_purchase_date(text, TODAY, lang) == expected


@pytest.mark.parametrize(("text", "lang"), [
    ("114年5月20日", "zh-Hans"),     # no such year outside Taiwan's count
    ("114/5/20", None),
    ("114年5月20日", "en"),
    ("250年5月20日", "zh-Hant"),
    ("民國115年12月20日", None),     # 2026-12-20: after today
    ("116/1/1", "zh-Hant"),
])
def test_no_republic_year_where_it_cannot_be_one(text: str, lang: str | None) -> None:
    assert read_purchase_date(text, TODAY, lang) is None
