"""The words a photo's fields are found by: labels (型号, 開票日期, Serial No. ...), brands as
they are printed, category names, and the words that tell an invoice from a nameplate.

Patterns are written in Simplified Chinese and matched on the folded text (text.fold), so
型號, 型号 and OCR's mixed 型號/型号 are one label. English labels allow the spaces OCR
drops ("Purchasedate", "MODELNO.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.knowledge.enums import PRODUCT_ALIASES, PRODUCTS
from backend.products.photos.text import fold
from nlu.brands import PRINTED


def _cjk(word: str) -> str:
    """A Chinese label whose characters OCR may space out (型 号); `?` after a character:
    the recogniser may drop it (編 and 櫃 are not in its character set)."""
    parts: list[str] = []
    for char in word:
        if char == "?":
            parts[-1] += "?"
        else:
            parts.append(re.escape(char))
    return r"\s?".join(parts)


def _en(words: str) -> str:
    """An English label: spaces optional (OCR drops them: "Purchasedate"), not inside a word
    (OCR glues the next word on, but capitalised: "ItemAUX", "Tel" is no label in
    "Television")."""
    return r"(?<![A-Za-z])" + r"\s*".join(words.split()) + r"(?-i:(?![a-z]))"


@dataclass(frozen=True)
class Label:
    field: str  # model, serial, date, seller, brand, item, maker, or stop
    pattern: str
    colon: bool = False  # only with a colon after it: a common word otherwise (Store, 商店)
    rank: int = 1  # among labels of one field, the higher wins (开票日期 over 日期)


def _labels(field: str, cjk: str = "", en: str = "", colon: bool = False,
            rank: int = 1) -> list[Label]:
    return ([Label(field, _cjk(word), colon, rank) for word in cjk.split()]
            + [Label(field, _en(words), colon, rank) for words in en.split("|") if words])


LABELS = [
    *_labels("model", "规格型号 产品型号 型号 机型 型式", "Model No.|Model Number|Model #|Model"),
    *_labels("serial", "出厂编?号 出厂编码 机身编?号 机身条码 机身码 整机条码 产品序列号 序列号 序号 "
                       "制造编?号 制造号码 产品编码 产品条码",
             "Serial No.|Serial Number|Serial #|Ser. No.|Serial|S/N|S. N."),
    *_labels("serial", "", "SN", colon=True),
    *_labels("date", "开票日期 开具日期 开立日期 购买日期 购货日期 购机日期 销售日期 交易日期 消费日期 "
                     "发票日期", "Invoice Date|Purchase Date|Date of Purchase|Sale Date|"
             "Date of Sale|Transaction Date|Purchased on", rank=2),
    *_labels("date", "日期", "Date"),
    *_labels("seller", "销售方名称 销售方 销方名称 销方 销货单位名称 销货单位 卖方名称 卖方 商户名称 "
                       "门店名称 经销商 销售商 销售单位", "Seller|Sold by|Store Name|Vendor"),
    *_labels("seller", "门店 门市 店名 商店 商户", "Store|Shop|Merchant|Dealer|Retailer",
             colon=True),
    *_labels("brand", "品牌 商标", "Brand"),
    *_labels("item", "货物或应税劳务、服务名称 货物或应税劳务名称 项目名称 商品名称 产品名称 商品 品名 "
                     "货品 货名 名称", "Item|Product|Description|Goods"),
    *_labels("maker", "制造商 生产商 生产厂家 制造厂 进口商 代理商", "Manufacturer|Made by|Importer"),
    # What is no field of ours, and whose value must not be taken for one: a nameplate's
    # production date, a due or delivery date, the buyer, an address, numbers of the invoice.
    *_labels("stop", "生产日期 制造日期 出厂日期 制造年月 生产批号 保修到期 保修期至 保修期 保修截止 质保期 "
                     "有效期至 有效期 截止日期 到期日 到期 送货日期 配送日期 安装日期 预约日期 发票号码 "
                     "发票代码 发票号 订单号 单号 流水号 票号 购买方名称 购买方 买方 客户名称 客户 顾客 "
                     "地址 电话 手机 额定电压 额定功率 额定频率 额定 电压 功率 频率 净重 重量 数量 单价 "
                     "单位 金额 合计 总计 价税合计 税额 税率 开票人 收款人 复核 收银员 收银 随机码 统一编号 "
                     "税号 纳税人识别号 消耗功率 电源 冷媒 制冷剂",
             "Mfg Date|MFG|MFD|Manufacturing Date|Manufactured|Production Date|Date of Manufacture|"
             "Due Date|Expiry Date|Expiry|Valid Until|Warranty Until|Warranty|Delivery Date|"
             "Installation Date|Install Date|Invoice No.|Invoice Number|Receipt No.|Order No.|"
             "Buyer|Customer|Bill To|Sold To|Address|Tel|Phone|Rated Voltage|Rated Power|Rated|"
             "Qty|Quantity|Unit Price|Amount|Total|Subtotal|Cashier|Net Weight|Power|Voltage"),
    *_labels("stop", "", "No.|No", colon=True),
]
# A date label we do not know (a word before 日期 / Date): its value is nobody's.
QUALIFIED_DATE = Label("stop", "")
LABEL_PATTERN = re.compile("|".join(f"(?P<l{i}>{label.pattern})" for i, label in
                                    # Longest first: 开票日期 before 日期, Model No. before Model.
                                    sorted(enumerate(LABELS), key=lambda x: -len(x[1].pattern))),
                           re.IGNORECASE)


def label_at(match: re.Match[str]) -> Label:
    return LABELS[int((match.lastgroup or "l0")[1:])]


# Brands as printed → the name we store (nlu/brands.py: one table for the bot and the reader).
BRANDS = PRINTED
# A Chinese brand name followed by one of these is a place (台北市大同區, 万和路), not a brand.
PLACE_AFTER = "区县市镇乡村路街道巷里号弄城广场大厦楼"
# Where a brand's name is an ordinary word: 完美的 (perfect), an air conditioner's AUX HEATER
# (its auxiliary heating).
NOT_BRAND = {"美的": (r"(?<![完优甜精唯])", ""), "AUX": ("", r"(?!\.?\s*(?i:heat|elec))")}


def _brand_pattern(printed: str) -> str:
    before, after = NOT_BRAND.get(printed, ("", ""))
    if any("\u3400" <= char <= "\u9fff" for char in printed):
        body = re.escape(fold(printed)).replace(r"\.", r"\.?\s?")
        return f"{before}{body}(?![{PLACE_AFTER}]){after}"
    # Latin: a whole word, as printed, in capitals or capitalised (a lowercase "sharp" is an
    # adjective); O read as 0 in A.O.Smith.
    forms = []
    for form in dict.fromkeys((printed, printed.upper(), printed.capitalize())):
        body = r"\s*".join(re.escape(part) for part in form.replace(".", ". ").split())
        forms.append(body.replace(r"\.", r"\.?").replace("O", "[O0]"))
    return rf"{before}(?<![A-Za-z0-9])(?:{'|'.join(forms)})(?![A-Za-z0-9]){after}"


BRAND_PATTERNS = [(canonical, re.compile(_brand_pattern(printed)))
                  for canonical, printed_names in BRANDS.items() for printed in printed_names]

# The category words: the knowledge base's table of product names (the same one the NLU and
# the products API use), and what nameplates and OCR add to it.
EXTRA_CATEGORY_WORDS = {
    "冷气机": "空调", "分体机": "空调", "空气调节器": "空调", "a/c": "空调", "aircon": "空调",
    "air con": "空调", "air-conditioner": "空调", "air-con": "空调", "split a/c": "空调",
    "洗烘一体机": "洗衣机", "washer dryer": "洗衣机", "washer-dryer": "洗衣机",
    "热水炉": "热水器", "microwave oven": "微波炉", "电热水器": "热水器",
}
CATEGORY_WORDS: dict[str, str] = {
    **{product: product for product in PRODUCTS},
    **{fold(word.casefold()): category for word, category in PRODUCT_ALIASES.items()},
    **EXTRA_CATEGORY_WORDS,
}


def _category_pattern(word: str) -> str:
    if any("\u3400" <= char <= "\u9fff" for char in word):
        return re.escape(word)
    parts = map(re.escape, re.split(r"[\s-]+", word))
    return r"(?<![a-z0-9])" + r"[\s-]*".join(parts) + r"(?![a-z0-9])"


CATEGORY_PATTERN = re.compile("|".join(
    f"(?:{_category_pattern(word)})" for word in sorted(CATEGORY_WORDS, key=len, reverse=True)),
    re.IGNORECASE)
# 雪櫃 comes back as 雪 alone: 櫃 is not in the recogniser's character set. Trusted only in an
# item's name (乐声 雙門雪), where nothing else ends so.
FRIDGE_WITHOUT_CABINET = re.compile(r"雪(?:柜)?(?![\u3400-\u9fff])")


def category_of(word: str) -> str | None:
    key = re.sub(r"[\s-]+", " ", fold(word).casefold()).strip()
    for candidate, category in CATEGORY_WORDS.items():
        if re.sub(r"[\s-]+", " ", candidate) == key:
            return category
    return None


# Words that say what the photo is. Matched on the folded text, case-insensitively.
INVOICE_WORDS = re.compile(
    "发票|收据|小票|购物凭证|销售单|销售小票|价税合计|合计|总计|金额|收银|开票|开立|随机码|卖方|销售方|"
    r"invoice|receipt|total|amount|cashier|sold\s*by|seller|thank\s*you|多谢惠顾|谢谢惠顾|qty",
    re.IGNORECASE)
NAMEPLATE_WORDS = re.compile(
    r"额定|rated|电压|voltage|功率|频率|\d\s?hz|制冷量|制热量|冷房能力|冷气能力|cooling\s*capacity|"
    r"制冷剂|冷媒|refrigerant|净重|net\s*weight|防水等级|ipx\d|防触电|生产日期|制造日期|mfg|"
    r"manufactur|made\s*in|中国制造|台湾制造|产地|容积|total\s*volume|出厂编号|制造编号|气种|"
    r"燃气类别|能效等级|执行标准|消耗功率|电源", re.IGNORECASE)
