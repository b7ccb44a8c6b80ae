"""A product's details as other people write them (bot/dialogue/product_details.py and the
readers behind it: printed_codes.py, purchase_place.py): serial numbers after any of their
many names, numbers with spaces in them, the shop it came from; in Simplified and Traditional
Chinese and English, with typos and the languages mixed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogue.forms import REGISTER_PRODUCT
from bot.dialogue.product_details import (
    accept_brand,
    accept_model,
    accept_serial,
    accept_shop,
    find_model,
    find_purchase_date,
    find_serial,
    find_shop,
)
from tests.support.clock import NOW


@pytest.mark.parametrize(("text", "serial"), [
    ("冰箱的机身码是 QX7781200456", "QX7781200456"),
    ("机身编码：5566 7788 9900", "5566 7788 9900"),
    ("机身号 MD20240917A3", "MD20240917A3"),
    ("机器码 h3k9 2201 7788", "h3k9 2201 7788"),
    ("条码 6923456789012，型号不知道", "6923456789012"),
    ("出厂编号FD9914 556677", "FD9914 556677"),
    ("序例号: ZZ90817265", "ZZ90817265"),              # a typo of 序列号
    ("製造編號：TW0099887766", "TW0099887766"),
    ("機身號碼係 HK55110022，部機喺豐澤買嘅", "HK55110022"),
    ("序列號 8812-3344-5566", "8812-3344-5566"),
    ("產品序號:SN-7070-1122", "SN-7070-1122"),
    ("S/N 33AB77CD91 on the sticker", "33AB77CD91"),
    ("SN:4400918273", "4400918273"),
    ("serial no. WX5512 009988, bought yesterday", "WX5512 009988"),
    ("seriel # 771100223344", "771100223344"),          # typo
    ("my serial number is 55 6677 8899 thx", "55 6677 8899"),
    ("Panasonic 雪櫃, serial: NR22BA0012345", "NR22BA0012345"),
    ("我部機 serial no. 係 HK1234 5678", "HK1234 5678"),      # the languages mixed
    ("ＳＮ：ＡＢ１２３４５６７ 喺背面", "AB1234567"),           # typed full-width
])
def test_a_serial_after_any_of_its_names_is_the_serial_never_the_model(text, serial) -> None:
    assert find_serial(text) == serial
    assert accept_serial(text, None, NOW) == serial
    assert find_model(text) is None
    assert accept_model(text, None, NOW) is None


def test_the_model_and_the_serial_in_one_message_each_go_to_their_own() -> None:
    text = "格力空调 机身码 GL88776655443 型号 KFR-26GW/NhAa1B 去年在苏宁买的"
    assert (find_model(text), find_serial(text)) == ("KFR-26GW/NhAa1B", "GL88776655443")
    text = "serial# 9901AB2233, model no: WW90T554DAW"
    assert (find_model(text), find_serial(text)) == ("WW90T554DAW", "9901AB2233")
    # Answering "which model?" with both: the model; with the serial alone: no model.
    assert accept_model("型號 NA-F70PB1，機身碼 PQ0012345678", None, NOW) == "NA-F70PB1"
    assert accept_model("只找到机身码 A1B2C3D4E5F6", None, NOW) is None
    assert accept_serial("model KFR-35GW", None, NOW) is None


@pytest.mark.parametrize(("text", "model"), [
    ("SJ 436B00QC", "SJ 436B00QC"),
    ("FD 9807 00123", "FD 9807 00123"),
    ("DEEBOT T20 PRO", "DEEBOT T20 PRO"),
    ("deebot x2 omni bought last month", "deebot x2 omni"),
    ("S8 MaxV Ultra", "S8 MaxV Ultra"),
    ("Roborock S8 MaxV Ultra", "S8 MaxV Ultra"),          # the brand stays the brand's
    ("roborock q7 max+", "q7 max+"),
    ("T20 Pro, got it at Costco", "T20 Pro"),
    ("WW90T 554DAW 买的", "WW90T 554DAW"),
    ("型號係 NA 120VX1 呀", "NA 120VX1"),
    ("modle: KFR 35GW/BP", "KFR 35GW/BP"),               # typo
    ("型号：美的 MB-90V36E", "MB-90V36E"),
    ("it's the HR 4890 I think", "HR 4890"),
    ("model number is BCD 501WDPZ 2025年5月买的", "BCD 501WDPZ"),
    ("WAX32M40 15 March", "WAX32M40"),
    ("model係 WW90T 554DAW，上個月買", "WW90T 554DAW"),
])
def test_a_model_answered_with_spaces_in_it(text, model) -> None:
    assert accept_model(text, None, NOW) == model


@pytest.mark.parametrize(("text", "serial"), [
    ("FD9912 012345", "FD9912 012345"),
    ("4400 9182 7361 bought 2 days ago", "4400 9182 7361"),
    ("SN 7788 9900 11 March", "7788 9900"),              # 11 March is the day it was bought
    ("GX 2210 5567 89 吧", "GX 2210 5567 89"),
    ("序號 A7 0098 7766", "A7 0098 7766"),
])
def test_a_serial_answered_with_spaces_in_it(text, serial) -> None:
    assert accept_serial(text, None, NOW) == serial


@pytest.mark.parametrize(("text", "model"), [
    ("想登記部 Roborock S8 MaxV Ultra，上個月買嘅", "S8 MaxV Ultra"),
    ("I have a Dyson V15 Detect, bought it from the Dyson store", "V15 Detect"),
    ("帮我登记下 型号 SJ 436B00QC 的冰箱", "SJ 436B00QC"),
    ("model: DEEBOT T20 PRO, serial 0012 3345 6677", "DEEBOT T20 PRO"),
    ("my new LG OLED65C4 TV", "OLED65C4"),
    ("订单号 JD88001234567 的那台 BCD-520WDPZ", "BCD-520WDPZ"),   # not the order number
    ("美的冰箱，没看到型号", None),
    ("register my fridge, bought 2025-03-15", None),
])
def test_a_model_said_in_passing(text, model) -> None:
    assert find_model(text) == model


def test_a_brand_before_a_model_name_is_the_brand() -> None:
    assert accept_brand("Roborock S8 MaxV Ultra", None, NOW) == "Roborock"
    assert accept_brand("科沃斯 DEEBOT T20 PRO", None, NOW) == "科沃斯"


@pytest.mark.parametrize(("text", "shop"), [
    ("2025年9月1日在京东买的", "京东"),
    ("是在天猫官方旗舰店下单的", "天猫官方旗舰店"),
    ("上个月在拼多多上买的", "拼多多"),
    ("在苏宁易购买的", "苏宁易购"),
    ("去年双十一在国美购买", "国美"),
    ("京东买的，还有发票", "京东"),
    ("在全國電子買的", "全國電子"),
    ("去年在燦坤買的喔", "燦坤"),
    ("喺豐澤買嘅", "豐澤"),
    ("我係喺百老滙度買", "百老滙"),
    ("在蘇寧買的", "蘇寧"),
    ("在 Costco 買的", "Costco"),
    ("bought it at Best Buy on black friday", "Best Buy"),
    ("purchased from the Midea flagship store last year", "the Midea flagship store"),
    ("got it from costco a while ago", "costco"),
    ("bought on black friday from Best Buy", "Best Buy"),
    ("I got mine in Fortress, receipt says 2025-03-15", "Fortress"),
    ("from JD.com. thanks", "JD.com"),
    # Times and doubts are no shop.
    ("在去年双十一买的", None),
    ("不记得在哪买的", None),
    ("现在买的话保修几年", None),
    ("bought in March", None),
    ("I'm from Taipei", None),
    ("got the serial from the sticker", None),
])
def test_where_it_was_bought(text, shop) -> None:
    assert find_shop(text) == shop


def test_the_answer_to_where_it_was_bought() -> None:
    assert accept_shop("在国美买的", None, NOW) == "国美"
    assert accept_shop("京东自营", None, NOW) == "京东自营"
    assert accept_shop("the Midea flagship store", None, NOW) == "the Midea flagship store"
    assert accept_shop("唔記得", None, NOW) is None


def test_numbers_are_no_purchase_date() -> None:
    # A serial made of digits and dots is no date; the date beside it is.
    assert find_purchase_date("序列号 12.10.2025") is None
    assert find_purchase_date("S/N 2025-0315-77, bought 2025-03-15") is not None
    # A 民國 day is a day in every reading (the slot's accept reads it in the language).
    assert find_purchase_date("114年5月20日在全國電子買的") is not None


def _republic(day) -> str:
    return f"民國{day.year - 1911}年{day.month}月{day.day}日"


def test_the_purchase_date_is_read_in_the_conversations_language_on_its_clock() -> None:
    slot = REGISTER_PRODUCT.slot("purchase_date")
    yesterday, tomorrow = (NOW + timedelta(days=-1)).date(), (NOW + timedelta(days=1)).date()
    taiwan, mainland = slot.accept_for("zh-Hant"), slot.accept_for("zh-Hans")
    assert taiwan(_republic(yesterday), None, NOW) == yesterday.isoformat()
    short = f"{yesterday.year - 1911}/{yesterday.month}/{yesterday.day}"
    assert taiwan(short, None, NOW) == yesterday.isoformat()
    assert mainland(short, None, NOW) is None          # no 民國 years outside Taiwan's Chinese
    assert taiwan(_republic(tomorrow), None, NOW) is None   # never a day after today
    assert taiwan(f"{tomorrow.day}/{tomorrow.month}/{tomorrow.year}", None, NOW) is None
    assert taiwan("唔記得", None, NOW) == ""


@pytest.mark.parametrize(("text", "serial"), [
    ("序列号在底下贴纸上写的是 KQ81 2207 3319", "KQ81 2207 3319"),
    ("機身號碼喺部機後面張貼紙度 寫住 HT5501987733", "HT5501987733"),
    ("the serial on the label at the back reads ZX7700123456", "ZX7700123456"),
    ("serial # is printed under the lid: WF2231 887766", "WF2231 887766"),
])
def test_a_serial_a_few_words_after_its_name(text, serial) -> None:
    assert find_serial(text) == serial


@pytest.mark.parametrize("text", [
    "序列号找不到，2025年3月买的",           # another clause: a date, not the serial
    "serial number I cannot find, bought 12.10.2025",
    "序列号不记得了 型号KFR-35GW",           # the model's own word comes first
    "the serial is somewhere on the back i guess",
])
def test_no_serial_where_only_other_things_follow_its_name(text) -> None:
    assert find_serial(text) is None


@pytest.mark.parametrize(("text", "model"), [
    ("BCD-470WDPG(E)", "BCD-470WDPG(E)"),
    ("型号是 KFR-35GW（35592）FNhAa-B1", "KFR-35GW(35592)FNhAa-B1"),
    ("型號 XQG100-HBD14126L(A)，去年買嘅", "XQG100-HBD14126L(A)"),
])
def test_a_model_with_its_variant_in_brackets_keeps_it(text, model) -> None:
    assert accept_model(text, None, NOW) == model


@pytest.mark.parametrize(("text", "brand"), [
    ("its a Samsnug fridge", "SAMSUNG"),
    ("panasoinc microwave, bought last month", "Panasonic"),
    ("my Whirpool washer", "Whirlpool"),
    ("Toshbia TV 55 inch", "TOSHIBA"),
])
def test_a_brand_with_a_typo_is_the_brand(text, brand) -> None:
    assert accept_brand(text, None, NOW) == brand


@pytest.mark.parametrize("text", ["please share the details", "the mailing address changed",
                                  "sweet dreams", "hair dryer"])
def test_everyday_words_near_a_brand_are_no_brand(text) -> None:
    from bot.dialogue.product_details import find_brand

    assert find_brand(text) is None
