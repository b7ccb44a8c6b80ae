"""What the synthetic photos print: brands as each market prints them, the words for each
category, model and serial numbers in the makers' formats, shops, and dates.

The canonical values (the truth a reading is scored against) are the reader's: Simplified
category names, a brand's Simplified (or Latin) name.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import date, timedelta

AC, FRIDGE, WASHER, HEATER = "空调", "冰箱", "洗衣机", "热水器"


@dataclass(frozen=True)
class Brand:
    canonical: str
    hans: str  # as printed on the Mainland
    hant: str  # Taiwan / Hong Kong (Panasonic: 國際牌 in Taiwan, 樂聲 in Hong Kong)
    latin: str
    categories: tuple[str, ...]
    hk: str = ""  # Hong Kong's name where it differs from hant


BRANDS = (
    Brand("美的", "美的", "美的", "Midea", (AC, FRIDGE, WASHER, HEATER)),
    Brand("格力", "格力", "格力", "GREE", (AC, HEATER)),
    Brand("海尔", "海尔", "海爾", "Haier", (AC, FRIDGE, WASHER, HEATER)),
    Brand("海信", "海信", "海信", "Hisense", (AC, FRIDGE)),
    Brand("小天鹅", "小天鹅", "小天鵝", "LittleSwan", (WASHER,)),
    Brand("西门子", "西门子", "西門子", "SIEMENS", (FRIDGE, WASHER)),
    Brand("松下", "松下", "國際牌", "Panasonic", (AC, FRIDGE, WASHER), hk="樂聲"),
    Brand("大金", "大金", "大金", "DAIKIN", (AC,)),
    Brand("三星", "三星", "三星", "SAMSUNG", (FRIDGE, WASHER)),
    Brand("LG", "LG", "LG", "LG", (FRIDGE, WASHER)),
    Brand("博世", "博世", "博世", "BOSCH", (FRIDGE, WASHER)),
    Brand("容声", "容声", "容聲", "Ronshen", (FRIDGE,)),
    Brand("万和", "万和", "萬和", "Vanward", (HEATER,)),
    Brand("万家乐", "万家乐", "萬家樂", "Macro", (HEATER,)),
    Brand("A.O.史密斯", "A.O.史密斯", "A.O.史密斯", "A.O.Smith", (HEATER,)),
    Brand("林内", "林内", "林內", "Rinnai", (HEATER,)),
    Brand("日立", "日立", "日立", "HITACHI", (AC, FRIDGE)),
    Brand("声宝", "声宝", "聲寶", "SAMPO", (AC, FRIDGE, WASHER)),
    Brand("奥克斯", "奥克斯", "奧克斯", "AUX", (AC,)),
    Brand("TCL", "TCL", "TCL", "TCL", (AC, FRIDGE, WASHER)),
    Brand("伊莱克斯", "伊莱克斯", "伊萊克斯", "Electrolux", (FRIDGE, WASHER)),
    Brand("惠而浦", "惠而浦", "惠而浦", "Whirlpool", (FRIDGE, WASHER)),
)

# The words an item line or a nameplate uses for a category, by language.
CATEGORY_WORDS = {
    "hans": {AC: ["空调", "变频空调", "挂式空调", "房间空气调节器"],
             FRIDGE: ["冰箱", "电冰箱", "对开门冰箱"],
             WASHER: ["洗衣机", "滚筒洗衣机", "波轮洗衣机"],
             HEATER: ["燃气热水器", "电热水器", "热水器"]},
    "tw": {AC: ["冷氣", "變頻冷氣", "分離式冷氣"],
           FRIDGE: ["冰箱", "電冰箱"],
           WASHER: ["洗衣機", "滾筒洗衣機"],
           HEATER: ["熱水器", "燃氣熱水器", "電熱水器"]},
    "hk": {AC: ["冷氣機", "分體機", "窗口式冷氣機"],
           FRIDGE: ["雪櫃", "雙門雪櫃"],
           WASHER: ["洗衣機", "前置式洗衣機"],
           HEATER: ["熱水爐", "煤氣熱水爐", "電熱水器"]},
    "en": {AC: ["Air Conditioner", "Split A/C", "Aircon"],
           FRIDGE: ["Refrigerator", "Fridge", "Fridge-Freezer"],
           WASHER: ["Washing Machine", "Front Load Washer"],
           HEATER: ["Water Heater", "Gas Water Heater"]},
}

UPPER = "ABCDEFGHJKLMNPRSTUVWXYZ"  # makers leave out I, O and Q: they read as 1 and 0


# Model formats: # a digit, @ a letter, {a|b} one of the choices. GB/T national codes (KFR,
# BCD, XQG, JSQ) and the Japanese and Korean makers' own.
MODEL_FORMATS = {
    AC: ["KFR-{26|32|35|50|72}GW/@@#@@@#", "KFR-{35|51|72}{GW|LW}/@@@##-@@###",
         "CS-@@{9|12|18|28}@@@", "FTX@{25|35|50}@@@"],
    FRIDGE: ["BCD-###@@{|@|@@}", "NR-@###@@", "RT##@####@#", "KG##@@##@"],
    WASHER: ["XQG{80|90|100|120}-#####", "XQG{80|100}-@####@", "XQB{80|90|100}-@@###",
             "WW{80|90}T###@@@/SC", "WD-@@###@#@"],
    HEATER: ["JSQ{20|25|30|32}-{12|13|16}@@#", "EC{5002|6002|8002}-@@#", "F{50|60|80}##-@#",
             "RUS-{13|16}E##@@@"],
}
# Serials: long digit strings (the Mainland's 22-digit bar codes), or letters and digits.
SERIAL_FORMATS = ["{################|##################|####################|"
                  "######################}", "##@@######@###{|#|##}"]


def fill(rng: random.Random, template: str) -> str:
    """A template filled at random (see MODEL_FORMATS)."""
    template = re.sub(r"\{([^}]*)\}", lambda m: rng.choice(m.group(1).split("|")), template)
    return "".join(rng.choice(string.digits) if char == "#" else rng.choice(UPPER)
                   if char == "@" else char for char in template)


def model_number(rng: random.Random, category: str) -> str:
    return fill(rng, rng.choice(MODEL_FORMATS[category]))


def serial_number(rng: random.Random) -> str:
    return fill(rng, rng.choice(SERIAL_FORMATS))


SHOPS = {
    "hans": ["苏宁易购南京新街口店", "国美电器北京朝阳路店", "五星电器无锡中山路店",
             "广州市天河区佳美电器商行", "京东家电专卖店（上海徐汇）", "杭州市百联家电有限公司"],
    "tw": ["全國電子股份有限公司", "燦坤實業股份有限公司", "新光三越百貨", "順發電腦有限公司"],
    "hk": ["豐澤電器", "百老匯電器", "東方電器有限公司", "永安百貨"],
    "en": ["Bright Home Appliances Ltd.", "Harbour Electrical Co. Ltd.", "City Appliance Store",
           "Kowloon Electric Centre"],
}
BUYERS = ["张伟", "王芳", "李娜", "刘洋", "陈静"]
ADDRESSES = {
    "hans": ["南京市秦淮区中山南路1号", "北京市朝阳区朝阳路88号", "广州市天河区体育西路23号"],
    "tw": ["台北市大同區承德路一段70號", "新北市板橋區文化路二段8號", "台中市西屯區台灣大道三段99號"],
    "hk": ["九龍旺角彌敦道688號", "香港銅鑼灣軒尼詩道500號"],
    "en": ["12 Harbour Road, Wan Chai", "88 Nathan Road, Kowloon"],
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def purchase_day(rng: random.Random) -> date:
    """A day well in the past (a reading never takes a future date)."""
    return date(2019, 1, 1) + timedelta(days=rng.randrange(6 * 365))


def hans_date(day: date, rng: random.Random) -> str:
    return rng.choice([f"{day.year}年{day.month:02d}月{day.day:02d}日",
                       f"{day.year}年{day.month}月{day.day}日", day.isoformat(),
                       f"{day.year}/{day.month}/{day.day}",
                       f"{day.year}.{day.month:02d}.{day.day:02d}"])


def roc_date(day: date, rng: random.Random) -> str:
    year = day.year - 1911
    return rng.choice([f"民國{year}年{day.month}月{day.day}日",
                       f"{year}年{day.month:02d}月{day.day:02d}日",
                       f"{year}/{day.month:02d}/{day.day:02d}"])


def english_date(day: date, rng: random.Random) -> str:
    return rng.choice([f"{day.day:02d}/{day.month:02d}/{day.year}",
                       f"{day.day} {MONTHS[day.month - 1]} {day.year}",
                       f"{day.day:02d}-{day.month:02d}-{day.year}"])
