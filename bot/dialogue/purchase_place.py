"""Where a customer bought an appliance, as they say it: "在京东买的", "喺豐澤買嘅", "在全國電子
買的", "從天貓下單", "bought it at Best Buy", "from the Midea flagship store" → the shop's name
(京东, 豐澤, 全國電子, 天貓, Best Buy, the Midea flagship store). A place is read only where words
introduce it (在 / 喺 / 從 … 買, at / from / in after "bought"), or for a shop everyone knows
(京东买的); never a date or a time ("在去年双十一买的", "bought it in March")."""

from __future__ import annotations

import re
from datetime import date

from bot.dialogue.purchase_date import read_purchase_date

# 在X买的, 喺X度買嘅, 係X買, 於X購買, 从X下单, 在X网上买 (苏宁易购买: 易购 is the shop's name).
_BUY = (r"(?:(?<![易])(?:购买|購買|购入|購入|购得|購得)|买|買|入手|下单|下單|订购|訂購|訂|订|"
        r"拍下|搶|抢|(?<![易])购|(?<![易])購)")
_ZH_AT = re.compile(
    r"(?<![现現正还還存实實所自好住])(?:在|喺|响|於|于|从|從|係)\s*"
    r"(?P<shop>[^\s，,。.!！?？；;、：:()（）]{2,20}?|[A-Za-z][A-Za-z0-9&'. -]{0,30}?)\s*"
    r"(?:官网|官網|网上|網上|线上|線上|网店|網店|上面|上|度|嗰度|處|处|那里|那裡|那边|那邊)?\s*"
    rf"(?:的)?{_BUY}")
# "bought it at X", "purchased from X", "got mine in X", "X" after a bare "from".
_EN_AT = re.compile(
    r"\b(?:(?:bought|buy|purchased|got|ordered|picked\s+(?:it|them)\s+up|shopped)\b"
    r"[^.,;!?\n]{0,25}?\b(?:at|from|in|on|via|through|off)|from)\s+(?P<shop>[^,;!?\n]+)", re.I)
# Shops known by name, said without 在 ("京东买的", "拼多多上下单").
_KNOWN = re.compile(
    r"(?P<shop>京东(?:自营)?|京東(?:自營)?|天猫|天貓|淘宝|淘寶|拼多多|苏宁易购|蘇寧易購|苏宁|蘇寧|国美|國美|"
    r"全國電子|全国电子|燦坤|灿坤|豐澤|丰泽|百老滙|百老匯|百老汇|順電|顺电|友和|唯品会|唯品會|抖音)"
    rf"\s*(?:官方|自营|自營|旗舰店|旗艦店|网上|網上|上|度)*\s*{_BUY}")

# Times and doubts, not places: 在去年双十一买的, 在3月买的, 在打折的时候买的, 不记得在哪买的.
_NOT_A_PLACE = re.compile(
    r"\d|年|月|[今昨前明]日|[今昨前明]天|天前|周[一二三四五六日末]|週[一二三四五六日末]|星期|礼拜|禮拜|双十|雙十|时候|時候|之前|以前|前|后|後|节|節|假期|期间|"
    r"期間|想|要不要|打算|准备|準備|考虑|考慮|不|没|沒|冇|哪|什么|什麼|甚麼|边度|邊度|边间|邊間|咩")
# Where an English place ends: "Costco last year", "Best Buy on 15/8/2026".
_EN_END = re.compile(
    r"\s+(?:on|in|at|last|this|yesterday|today|for|and|with|around|about|ago|back|during|when|"
    r"before|after|since|because|but|so|which|that|from|recently|ages|a\s+(?:while|few|couple|"
    r"month|week|year)|some\s*time)\b.*$|\s+\d.*$", re.I)
# "I'm from Taipei", "serial from the sticker": a bare "from" that says no shop.
_FROM_ELSEWHERE = re.compile(r"\b(?:i'?m|am|are|is|come|comes|came|made|away|far|apart|serial|"
                             r"model|number|sn)\s*$", re.I)
# Not a shop: a time, a person, the sticker the number is on.
_NOT_A_SHOP = re.compile(
    r"^(?:it|them|there|here|you|home|me|him|her|us|a\s+while|the\s+(?:sticker|label|back|box|"
    r"photo|picture|invoice|receipt|nameplate|manual|side|bottom|sale|weekend|morning|evening)|"
    r"(?:early|late|mid)\b|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|spring|summer|"
    r"autumn|fall|winter|(?:mon|tues|wednes|thurs|fri|satur|sun)day|christmas|xmas|black\s+friday|"
    r"singles'?\s+day|double\s+1[12])\b", re.I)
_FAR_FUTURE = date(9000, 1, 1)


def _tidy(shop: str) -> str:
    return " ".join(shop.split()).strip(" '\"“”‘’-")


def _zh_shop(text: str) -> str | None:
    pos = 0
    while found := _ZH_AT.search(text, pos):
        pos = found.start() + 1  # "在2025年在京东买的": the second 在 may be it
        shop = _tidy(found.group("shop")).lstrip("在喺响於于从從係")
        if len(shop) >= 2 and not _NOT_A_PLACE.search(shop):
            return shop
    return None


def _en_shop(text: str) -> str | None:
    pos = 0
    while found := _EN_AT.search(text, pos):
        pos = found.start("shop")  # "on black friday from Costco": the next one may be it
        if found.group().lower().startswith("from") and _FROM_ELSEWHERE.search(
                text[:found.start()]):
            continue
        shop = re.split(r"\.(?:\s|$)", found.group("shop"))[0]  # JD.com, not a sentence's end
        shop = _tidy(_EN_END.sub("", shop))[:60]
        if (shop and not shop[0].isdigit() and not _NOT_A_SHOP.match(shop)
                and read_purchase_date(shop, _FAR_FUTURE) is None):
            return shop
    return None


def find_shop(text: str) -> str | None:
    """The shop a message says the appliance was bought at, or None."""
    known = _KNOWN.search(text)
    return _zh_shop(text) or _en_shop(text) or (known.group("shop") if known else None)
