"""Knowledge-base vocabulary: topics, the canonical product and city names, and the spellings
customers and staff use for them (Traditional, English) mapped to the canonical one."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    """What an entry answers. The same names as the NLU's `topic` entity (nlu/data/synonyms.yml)."""

    warranty = "warranty"
    fee = "fee"
    outlet = "outlet"
    hours = "hours"
    parts = "parts"
    usage = "usage"


# Canonical product names (Simplified), as the NLU's synonyms produce them.
PRODUCTS = ("空调", "冰箱", "洗衣机", "热水器", "电视", "油烟机", "燃气灶", "洗碗机", "微波炉",
            "净水器", "干衣机", "烤箱", "扫地机器人")

# Other spellings of a product → its canonical name. Matched case-insensitively on the whole
# value; the NLU already canonicalises, this is for staff input and a stray Traditional value.
PRODUCT_ALIASES: dict[str, str] = {
    "空調": "空调", "冷氣": "空调", "冷气": "空调", "air conditioner": "空调",
    "雪櫃": "冰箱", "雪柜": "冰箱", "fridge": "冰箱", "refrigerator": "冰箱",
    "洗衣機": "洗衣机", "washing machine": "洗衣机", "washer": "洗衣机",
    "熱水器": "热水器", "熱水爐": "热水器", "water heater": "热水器",
    "電視": "电视", "電視機": "电视", "电视机": "电视", "tv": "电视", "television": "电视",
    "抽油煙機": "油烟机", "油煙機": "油烟机", "抽油烟机": "油烟机", "range hood": "油烟机",
    "燃氣灶": "燃气灶", "煤氣爐": "燃气灶", "瓦斯爐": "燃气灶", "gas stove": "燃气灶",
    "洗碗機": "洗碗机", "洗碗碟機": "洗碗机", "dishwasher": "洗碗机",
    "微波爐": "微波炉", "microwave": "微波炉",
    "淨水器": "净水器", "濾水器": "净水器", "water purifier": "净水器",
    "乾衣機": "干衣机", "烘乾機": "干衣机", "dryer": "干衣机", "tumble dryer": "干衣机",
    "焗爐": "烤箱", "焗炉": "烤箱", "oven": "烤箱",
    "掃地機器人": "扫地机器人", "掃地機械人": "扫地机器人", "robot vacuum": "扫地机器人",
}

# Other spellings of a city → its canonical name. Cities are open-ended (any city may get an
# outlet); only the spelling of the ones we know is unified.
CITY_ALIASES: dict[str, str] = {
    "beijing": "北京", "shanghai": "上海",
    "廣州": "广州", "guangzhou": "广州",
    "shenzhen": "深圳",
    "hong kong": "香港", "hongkong": "香港", "hk": "香港",
    # The NLU tags Hong Kong's regions as cities too.
    "九龍": "香港", "九龙": "香港", "新界": "香港", "港島": "香港", "港岛": "香港", "香港島": "香港",
    "kowloon": "香港",
    "臺北": "台北", "台北市": "台北", "臺北市": "台北", "taipei": "台北",
    "北京市": "北京", "上海市": "上海", "广州市": "广州", "深圳市": "深圳",
}


def canonical_product(value: str) -> str:
    """The canonical name of a product spelling; the value unchanged if it is not known."""
    value = value.strip()
    return PRODUCT_ALIASES.get(value.casefold(), value)


def product_category(value: str) -> str:
    """The category of any spelling (冷氣, fridge); ValueError for what is none of PRODUCTS
    (pydantic validators raise it as it is)."""
    category = canonical_product(value)
    if category not in PRODUCTS:
        raise ValueError(f"not a product category: one of {', '.join(PRODUCTS)}")
    return category


def canonical_city(value: str) -> str:
    """The canonical name of a city spelling; the value unchanged if it is not known."""
    value = value.strip()
    return CITY_ALIASES.get(value.casefold(), value)
