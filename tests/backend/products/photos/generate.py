"""Synthetic photos of invoices, receipts and nameplates, with the fields they truly carry.

    .venv/bin/python -m tests.backend.products.photos.generate OUT_DIR   # writes the JPEGs

Rendered with Pillow and a CJK font (Noto Sans CJK, Debian's fonts-noto-cjk), then
"photographed": pasted slightly rotated on a desk-like background, lit unevenly, blurred,
noised and JPEG-compressed. One seed gives the same set every time. Nothing is committed: the
tests make the set when they run.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.backend.products.photos import vocab
from tests.backend.products.photos.vocab import BRANDS, CATEGORY_WORDS, SHOPS, Brand

SEED = 20240618
FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")
# Faces of the collection by script: the glyph shapes each market prints.
FACES = {"hans": "Noto Sans CJK SC", "tw": "Noto Sans CJK TC", "hk": "Noto Sans CJK HK",
         "en": "Noto Sans CJK SC"}


@dataclass(frozen=True)
class Sample:
    name: str  # kind-style-number: what a failure report names
    kind: str
    truth: dict[str, object]
    jpeg: bytes = field(repr=False)


def font_path() -> str | None:
    """The Noto Sans CJK collection, or None where no CJK font is installed."""
    for path in FONT_FILES:
        if Path(path).exists():
            return path
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC:style=Regular"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found.endswith((".ttc", ".otf")) and "CJK" in found else None


@cache
def _font(script: str, size: int) -> ImageFont.FreeTypeFont:
    path = font_path()
    assert path is not None, "no CJK font"
    for index in range(8):
        face = ImageFont.truetype(path, size, index=index)
        if face.getname()[0] == FACES[script]:
            return face
    return ImageFont.truetype(path, size)


class Page:
    """A sheet written top to bottom: `line` writes one line, `pair` a label and its value
    (inline, or in two columns)."""

    def __init__(self, rng: random.Random, script: str, width: int, size: int) -> None:
        self.rng, self.script, self.size = rng, script, size
        paper = rng.choice([(255, 255, 255), (250, 248, 240), (236, 238, 240)])
        self.image = Image.new("RGB", (width, 1200), paper)
        self.draw = ImageDraw.Draw(self.image)
        self.x, self.y = rng.randint(24, 48), rng.randint(24, 40)
        self.gap = int(size * rng.uniform(0.55, 0.9))

    def line(self, text: str, size: int | None = None, x: int | None = None) -> None:
        font = _font(self.script, size or self.size)
        self.draw.text((self.x if x is None else x, self.y), text, fill=(20, 20, 25), font=font)
        self.y += (size or self.size) + self.gap

    def row(self, *cells: str, widths: tuple[float, ...] = ()) -> None:
        """Cells in columns (a table row, or a label and its value far apart); `widths`:
        each column's share of the line."""
        font = _font(self.script, self.size)
        shares = widths or (1 / len(cells),) * len(cells)
        left = self.x
        for cell, share in zip(cells, shares):
            self.draw.text((left, self.y), cell, fill=(20, 20, 25), font=font)
            left += int((self.image.width - 2 * self.x) * share)
        self.y += self.size + self.gap

    def pair(self, label: str, value: str, colon: str = "：") -> None:
        if self.rng.random() < 0.3:
            self.row(label, value)
        else:
            self.line(f"{label}{self.rng.choice([colon, colon, ' '])}{value}")

    def code(self, content: str, fmt: zxingcpp.BarcodeFormat, text: bool = False) -> None:
        scale = 2 if fmt == zxingcpp.BarcodeFormat.Code128 else 3
        symbol = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(content, fmt),
                                                 scale=scale)
        picture = Image.fromarray(np.asarray(symbol)).convert("RGB")
        if fmt == zxingcpp.BarcodeFormat.Code128:
            picture = picture.resize((picture.width, 70))
        self.image.paste(picture, (self.x, self.y))
        self.y += picture.height + 6
        if text:
            self.line(content, size=max(16, self.size - 4))

    def finish(self) -> Image.Image:
        return self.image.crop((0, 0, self.image.width, self.y + self.rng.randint(20, 50)))


def photograph(page: Image.Image, rng: random.Random) -> bytes:
    """The page as a phone photo of it: on a desk, a little turned, unevenly lit, soft, noisy,
    JPEG-compressed."""
    turned = page.convert("RGBA").rotate(rng.uniform(-4, 4), expand=True,
                                         resample=Image.Resampling.BILINEAR)
    margin = rng.uniform(0.08, 0.2)
    width, height = int(turned.width * (1 + margin)), int(turned.height * (1 + margin))
    desk = np.array(rng.choice([(120, 90, 60), (90, 90, 95), (160, 150, 130), (60, 70, 80)]),
                    dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32))
    grain = noise.normal(0, 12, (height // 8 + 1, width // 8 + 1, 1)).repeat(8, 0).repeat(8, 1)
    background = np.clip(desk + grain[:height, :width], 0, 255).astype(np.uint8)
    canvas = Image.fromarray(background, "RGB")
    canvas.paste(turned, (rng.randint(0, width - turned.width),
                          rng.randint(0, height - turned.height)), turned)
    pixels = np.asarray(canvas, dtype=np.float32)
    # Light from one side: up to a third darker across the picture.
    ramp = np.linspace(rng.uniform(0.7, 0.9), rng.uniform(0.95, 1.08), width, dtype=np.float32)
    light = ramp[None, :, None] if rng.random() < 0.5 else ramp[::-1][None, :, None]
    sensor = noise.standard_normal(pixels.shape, dtype=np.float32) * rng.uniform(1, 6)
    photo = Image.fromarray(np.clip(pixels * light + sensor, 0, 255).astype(np.uint8), "RGB")
    if (blur := rng.uniform(0.0, 1.2)) > 0.3:  # a sharp photo, or a soft one
        photo = photo.filter(ImageFilter.GaussianBlur(blur))
    # Taken from a little farther away: smaller letters (down to ~12 px high).
    distance = rng.uniform(0.72, 1.0)
    photo = photo.resize((int(photo.width * distance), int(photo.height * distance)),
                         Image.Resampling.BILINEAR)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=rng.randint(40, 90))
    return out.getvalue()


def _choose(rng: random.Random, market: str) -> tuple[Brand, str, str, str]:
    """A brand, one of its categories, the printed brand name and the category word."""
    brand = rng.choice(BRANDS)
    category = rng.choice(brand.categories)
    printed = {"hans": brand.hans, "tw": brand.hant, "hk": brand.hk or brand.hant,
               "en": brand.latin}[market]
    if market == "hk" and printed != brand.latin and rng.random() < 0.5:
        printed = f"{printed} {brand.latin}"
    return brand, category, printed, rng.choice(CATEGORY_WORDS[market][category])


def _bought(rng: random.Random, category: str, market: str) -> tuple[str, date, str]:
    """The model bought, the day, the shop."""
    return vocab.model_number(rng, category), vocab.purchase_day(rng), rng.choice(SHOPS[market])


def _truth(brand: Brand, category: str, model: str, **more: object) -> dict[str, object]:
    return {"brand": brand.canonical, "category": category, "model": model, **more}


def vat_invoice(rng: random.Random) -> tuple[Image.Image, dict[str, object]]:
    """A Mainland 电子发票（普通发票）: parties, then the goods table (规格型号 column)."""
    brand, category, printed, word = _choose(rng, "hans")
    model, day, shop = _bought(rng, category, "hans")
    page = Page(rng, "hans", rng.randint(860, 960), rng.randint(18, 22))
    page.line(rng.choice(["电子发票（普通发票）", "增值税普通发票"]), size=page.size + 8, x=page.x + 200)
    number = "".join(rng.choice("0123456789") for _ in range(20))
    if rng.random() < 0.5:
        amount = f"{rng.randint(1500, 9000)}.00"
        page.code(f"01,32,,{number},{amount},{day:%Y%m%d},,{rng.randrange(16**4):04X}",
                  zxingcpp.BarcodeFormat.QRCode)
    page.pair("发票号码", number)
    page.pair("开票日期", vocab.hans_date(day, rng))
    page.pair("购买方名称", rng.choice(vocab.BUYERS))
    page.pair("销售方名称", shop)
    table = (0.36, 0.34, 0.1, 0.08, 0.12)
    page.row("项目名称", "规格型号", "单位", "数量", "金额", widths=table)
    page.row(f"*家用电器*{printed}{word}", model, "台", "1", f"{rng.randint(1500, 9000)}.00",
             widths=table)
    page.line(f"价税合计（小写）¥{rng.randint(1500, 9000)}.00")
    page.pair("开票人", rng.choice(["王五", "赵六"]))
    return page.finish(), _truth(brand, category, model, purchase_date=day, purchased_from=shop)


def shop_receipt(rng: random.Random) -> tuple[Image.Image, dict[str, object]]:
    """A Mainland shop's sales slip: shop name on top, the item, often the serial the shop
    noted, sometimes a warranty end date that is not the purchase date."""
    brand, category, printed, word = _choose(rng, "hans")
    model, day, shop = _bought(rng, category, "hans")
    page = Page(rng, "hans", rng.randint(620, 720), rng.randint(19, 24))
    page.line(shop, size=page.size + 4)
    page.line(rng.choice(["销售小票", "购物凭证"]))
    page.pair("单号", f"XS{day:%Y%m%d}{rng.randint(100, 999)}")
    page.pair(rng.choice(["日期", "购买日期", "销售日期"]), vocab.hans_date(day, rng))
    page.pair("商品", f"{printed} {word}")
    page.pair("型号", model)
    truth = _truth(brand, category, model, purchase_date=day, purchased_from=shop)
    if rng.random() < 0.5:
        truth["serial"] = vocab.serial_number(rng)
        page.pair(rng.choice(["机身编号", "出厂编号", "序列号"]), str(truth["serial"]))
    page.line(f"数量：1   合计：¥{rng.randint(1500, 9000)}.00")
    if rng.random() < 0.5:
        warranty_end = day.replace(year=day.year + 3, day=min(day.day, 28))
        page.pair("保修到期", vocab.hans_date(warranty_end, rng))
    page.pair("收银员", f"{rng.randint(1, 99):04d}")
    return page.finish(), truth


def taiwan_invoice(rng: random.Random) -> tuple[Image.Image, dict[str, object]]:
    """A Taiwan 統一發票 (電子發票證明聯): seller on top, the period, the ROC or Western date,
    the seller's tax number after 賣方, the seller's address (台北市大同區 is no brand)."""
    brand, category, printed, word = _choose(rng, "tw")
    model, day, shop = _bought(rng, category, "tw")
    page = Page(rng, "tw", rng.randint(560, 680), rng.randint(20, 24))
    page.line(shop, size=page.size + 4)
    page.line("電子發票證明聯", size=page.size + 4)
    year, first = day.year - 1911, (day.month + 1) // 2 * 2 - 1
    page.line(f"{year}年{first:02d}-{first + 1:02d}月")
    page.line(f"{rng.choice(['AB', 'KM', 'ZX'])}-{rng.randint(10**7, 10**8 - 1)}")
    if rng.random() < 0.4:
        page.line(f"{day.isoformat()} {rng.randint(10, 21)}:{rng.randint(10, 59)}:"
                  f"{rng.randint(10, 59)}")
    else:
        page.pair(rng.choice(["日期", "開立日期", "購買日期"]), vocab.roc_date(day, rng))
    page.line(f"隨機碼：{rng.randint(1000, 9999)}  總計：{rng.randint(5000, 60000)}")
    page.line(f"賣方：{rng.randint(10**7, 10**8 - 1)}")
    page.pair("品名", f"{printed} {word}")
    page.pair("型號", model)
    page.pair("地址", rng.choice(vocab.ADDRESSES["tw"]))
    return page.finish(), _truth(brand, category, model, purchase_date=day, purchased_from=shop)


def hong_kong_receipt(rng: random.Random) -> tuple[Image.Image, dict[str, object]]:
    """A Hong Kong shop's invoice: bilingual labels, day-first dates, a delivery date."""
    brand, category, printed, word = _choose(rng, "hk")
    model, day, shop = _bought(rng, category, "hk")
    page = Page(rng, "hk", rng.randint(640, 760), rng.randint(19, 23))
    page.line(shop, size=page.size + 6)
    page.line("發票 INVOICE")
    page.pair("日期 Date", vocab.english_date(day, rng), colon=": ")
    page.pair("單號 No.", f"HK{rng.randint(100000, 999999)}", colon=": ")
    page.pair("貨品 Item", f"{printed} {word}", colon=": ")
    page.pair("型號 Model", model, colon=": ")
    page.line(f"數量 Qty: 1   金額 Amount: HK${rng.randint(2000, 20000):,}")
    if rng.random() < 0.6:
        later = date.fromordinal(day.toordinal() + rng.randint(2, 10))
        page.pair("送貨日期 Delivery date", vocab.english_date(later, rng), colon=": ")
    page.line("多謝惠顧 Thank you")
    return page.finish(), _truth(brand, category, model, purchase_date=day, purchased_from=shop)


def english_receipt(rng: random.Random) -> tuple[Image.Image, dict[str, object]]:
    """An English tax invoice: invoice date and due date, model and often serial."""
    brand, category, printed, word = _choose(rng, "en")
    model, day, shop = _bought(rng, category, "en")
    page = Page(rng, "en", rng.randint(640, 760), rng.randint(19, 23))
    if rng.random() < 0.5:
        page.line(shop, size=page.size + 6)
        page.line(rng.choice(vocab.ADDRESSES["en"]))
        page.line("TAX INVOICE")
    else:
        page.line("TAX INVOICE", size=page.size + 6)
        page.pair("Sold by", shop, colon=": ")
    page.pair("Invoice No.", f"INV-{rng.randint(100000, 999999)}", colon=": ")
    page.pair(rng.choice(["Invoice date", "Date", "Purchase date"]), vocab.english_date(day, rng),
              colon=": ")
    if rng.random() < 0.5:
        due = date.fromordinal(day.toordinal() + 30)
        page.pair("Due date", vocab.english_date(due, rng), colon=": ")
    page.pair("Item", f"{printed} {word}", colon=": ")
    page.pair(rng.choice(["Model No.", "Model"]), model, colon=": ")
    truth = _truth(brand, category, model, purchase_date=day, purchased_from=shop)
    if rng.random() < 0.5:
        truth["serial"] = vocab.serial_number(rng)
        page.pair(rng.choice(["Serial No.", "S/N"]), str(truth["serial"]), colon=": ")
    page.line(f"Qty 1   Total HK$ {rng.randint(2000, 20000):,}.00")
    return page.finish(), truth


NAMEPLATE_LABELS: dict[str, dict[str, Any]] = {
    "hans": {"model": ["型号", "产品型号"], "serial": ["出厂编号", "机身编号", "产品编码"],
             "made": "生产日期", "volt": "额定电压", "power": "额定功率", "name": "产品名称"},
    "tw": {"model": ["型號"], "serial": ["製造編號", "序號"], "made": "製造日期",
           "volt": "額定電壓", "power": "消耗功率", "name": "品名"},
    "en": {"model": ["MODEL NO.", "Model"], "serial": ["SERIAL NO.", "S/N"], "made": "MFG DATE",
           "volt": "RATED VOLTAGE", "power": "RATED POWER", "name": "PRODUCT"},
}


def nameplate(rng: random.Random, market: str) -> tuple[Image.Image, dict[str, object]]:
    """A rating plate: brand, product name, model, ratings, serial (printed, in a Code 128
    and/or in a QR code's link), production date (never the purchase date)."""
    brand, category, printed, word = _choose(rng, market)
    model, serial = vocab.model_number(rng, category), vocab.serial_number(rng)
    labels = NAMEPLATE_LABELS[market]
    page = Page(rng, market, rng.randint(620, 760), rng.randint(19, 24))
    page.line(printed if market != "hans" or rng.random() < 0.7 else f"{printed} {brand.latin}",
              size=page.size + 12)
    page.pair(labels["name"], word, colon=": " if market == "en" else "：")
    page.pair(rng.choice(labels["model"]), model, colon=": " if market == "en" else "：")
    page.pair(labels["volt"], rng.choice(["220V~ 50Hz", "110V 60Hz", "220-240V~"]))
    page.pair(labels["power"], f"{rng.randint(8, 30) * 100}W")
    made = vocab.purchase_day(rng)
    page.pair(labels["made"],
              f"{made.year}.{made.month:02d}" if rng.random() < 0.5 else made.isoformat())
    style = rng.choice(["label+bar", "label", "bar", "label+qr"])
    if "label" in style:
        page.pair(rng.choice(labels["serial"]), serial, colon=": " if market == "en" else "：")
    if "bar" in style:
        page.code(serial, zxingcpp.BarcodeFormat.Code128, text=style == "bar")
    if style == "label+qr":
        page.code(f"https://service.example.com/reg?model={model}&sn={serial}",
                  zxingcpp.BarcodeFormat.QRCode)
    page.line(rng.choice(["中国制造", "Made in China", "Made in Thailand", "台灣製造"]))
    return page.finish(), _truth(brand, category, model, serial=serial)


MAKERS: list[tuple[str, str, int, Callable[[random.Random], tuple[Image.Image, dict]]]] = [
    ("invoice", "vat", 7, vat_invoice),
    ("invoice", "shop", 6, shop_receipt),
    ("invoice", "tw", 6, taiwan_invoice),
    ("invoice", "hk", 6, hong_kong_receipt),
    ("invoice", "en", 5, english_receipt),
    ("nameplate", "hans", 12, lambda rng: nameplate(rng, "hans")),
    ("nameplate", "hant", 8, lambda rng: nameplate(rng, "tw")),
    ("nameplate", "en", 10, lambda rng: nameplate(rng, "en")),
]


def specs() -> list[tuple[str, str, int]]:
    """(kind, style, number) of every photo of the set: 30 invoices, 30 nameplates."""
    return [(kind, style, i) for kind, style, count, _ in MAKERS for i in range(count)]


def sample(kind: str, style: str, number: int, seed: int = SEED) -> Sample:
    """One photo of the set, the same for the same arguments (each has its own random
    stream: photos can be made in any order, or in parallel)."""
    make = next(make for k, s, _, make in MAKERS if (k, s) == (kind, style))
    rng = random.Random(f"{seed}-{style}-{kind}-{number}")
    page, truth = make(rng)
    return Sample(f"{kind}-{style}-{number}", kind, truth, photograph(page, rng))


def generate(seed: int = SEED) -> list[Sample]:
    """The whole set."""
    return [sample(*spec, seed=seed) for spec in specs()]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "photos")
    out.mkdir(parents=True, exist_ok=True)
    for photo in generate():
        (out / f"{photo.name}.jpg").write_bytes(photo.jpeg)
        print(photo.name, photo.truth)
