"""The brands customers own, each with the names it is written by: one table for the photo
reader (backend/products/photos/lexicon.py looks for `PRINTED` on invoices and nameplates) and
for the bot, which tells that 海爾, 海尔 and Haier are one brand (`brand_key`)."""

from __future__ import annotations

import re
from functools import lru_cache

# Brands as printed → the name we store (Simplified, or the Latin name the brand is known by).
PRINTED: dict[str, tuple[str, ...]] = {
    "美的": ("美的", "Midea"), "格力": ("格力", "GREE"), "海尔": ("海尔", "Haier"),
    "海信": ("海信", "Hisense"), "小天鹅": ("小天鹅", "Little Swan", "LittleSwan"),
    "西门子": ("西门子", "SIEMENS"), "松下": ("松下", "乐声", "国际牌", "Panasonic"),
    "大金": ("大金", "DAIKIN"), "三星": ("三星", "SAMSUNG"), "LG": ("LG",), "博世": ("博世", "BOSCH"),
    "惠而浦": ("惠而浦", "Whirlpool"), "伊莱克斯": ("伊莱克斯", "Electrolux"),
    "奥克斯": ("奥克斯", "AUX"), "TCL": ("TCL",), "志高": ("志高", "CHIGO"), "容声": ("容声", "Ronshen"),
    "美菱": ("美菱", "Meiling"), "万和": ("万和", "Vanward"), "万家乐": ("万家乐", "Macro"),
    "A.O.史密斯": ("A.O.史密斯", "AO史密斯", "史密斯", "A.O.Smith", "A. O. Smith", "AO Smith"),
    "林内": ("林内", "Rinnai"), "能率": ("能率", "NORITZ"), "日立": ("日立", "HITACHI"),
    "三菱": ("三菱", "MITSUBISHI"), "夏普": ("夏普", "SHARP"), "东芝": ("东芝", "TOSHIBA"),
    "声宝": ("声宝", "SAMPO"), "大同": ("大同", "TATUNG"), "科龙": ("科龙", "KELON"),
    "华帝": ("华帝", "VATTI"), "方太": ("方太", "FOTILE"), "卡萨帝": ("卡萨帝", "Casarte"),
}
# Brands customers name that the photo reader does not look for in print (石头, 小米 and 老板
# are everyday words there).
SAID: dict[str, tuple[str, ...]] = {
    "石头": ("石头", "石頭", "Roborock"), "科沃斯": ("科沃斯", "Ecovacs"),
    "追觅": ("追觅", "追覓", "Dreame"), "小米": ("小米", "米家", "Xiaomi"),
    "老板": ("老板", "老闆", "Robam"), "樱花": ("樱花", "櫻花", "Sakura"), "索尼": ("索尼", "Sony"),
    "戴森": ("戴森", "Dyson"), "飞利浦": ("飞利浦", "飛利浦", "Philips"),
    "苏泊尔": ("苏泊尔", "蘇泊爾", "Supor"), "格兰仕": ("格兰仕", "格蘭仕", "Galanz"),
    "创维": ("创维", "創維", "Skyworth"), "长虹": ("长虹", "長虹", "Changhong"),
    "康佳": ("康佳", "Konka"), "德国宝": ("德国宝", "德國寶", "German Pool"),
}
# Traditional spellings of the names above that differ from the Simplified.
TRADITIONAL = {
    "海爾": "海尔", "小天鵝": "小天鹅", "西門子": "西门子", "樂聲": "松下", "國際牌": "松下",
    "伊萊克斯": "伊莱克斯", "奧克斯": "奥克斯", "容聲": "容声", "萬和": "万和", "萬家樂": "万家乐",
    "東芝": "东芝", "聲寶": "声宝", "科龍": "科龙", "華帝": "华帝", "卡薩帝": "卡萨帝",
    "林內": "林内",
}


def _key(name: str) -> str:
    return re.sub(r"[\s.\-·]+", "", name).lower()


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names = {_key(name): brand for table in (PRINTED, SAID)
             for brand, written in table.items() for name in (brand, *written)}
    names.update({_key(name): brand for name, brand in TRADITIONAL.items()})
    return names


def brand_key(name: str | None) -> str | None:
    """The brand a name is written for, whatever its script or spelling ("Haier", "海爾",
    "haier" → 海尔); None for a name we do not know."""
    return _names().get(_key(name)) if name else None


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by one letter changed, added, dropped, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


# Names one letter from everyday words ("dreams", "mailing"): only ever taken as written.
_EXACT_ONLY = frozenset({"dreame", "meiling"})


@lru_cache(maxsize=1)
def _latin_names() -> dict[str, str]:
    """Latin names of six letters or more, lower-cased → as the table writes them."""
    return {name.lower(): name for table in (PRINTED, SAID) for written in table.values()
            for name in written if name.isascii() and name.isalpha() and len(name) >= 6
            and name.lower() not in _EXACT_ONLY}


def misspelt_brand(word: str) -> str | None:
    """The brand a Latin word of six letters or more is one typo away from ("Samsumg",
    "Panasonc", "Hitatchi" → the table's spelling); None otherwise (shorter names: too many
    ordinary words are one letter from "Sharp" or "Haier": share, hair)."""
    lower = word.lower()
    if len(lower) < 6 or not lower.isascii() or not lower.isalpha():
        return None
    names = _latin_names()
    if lower in names:
        return names[lower]
    near = {names[name] for name in names if _one_edit(lower, name)}
    return near.pop() if len(near) == 1 else None


def same_brand(one: str | None, other: str | None) -> bool:
    """Whether two names are the same brand (known ones by `brand_key`, others as written)."""
    if not one or not other:
        return False
    known = brand_key(one)
    return known == brand_key(other) if known else _key(one) == _key(other)


def brand_in(name: str, lang: str) -> str:
    """A brand as the chat's language writes it: "Haier" for English, 海爾 for Traditional,
    海尔 for Simplified (a name already written so stays as the customer wrote it); a name we
    do not know, as written."""
    brand = brand_key(name)
    if brand is None:
        return name
    if lang == "en":
        if name.isascii():
            return name
        written = (*PRINTED.get(brand, ()), *SAID.get(brand, ()))
        return next((w for w in written if w.isascii()), name)
    if lang == "zh-Hant":
        return name if name in TRADITIONAL else next(
            (t for t, s in TRADITIONAL.items() if s == brand), brand)
    return brand
