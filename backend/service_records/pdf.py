"""A service record as a PDF (staff download it; the customer can ask for it in the chat):
`render(content, language)`.

Every field of the record, in the customer's language (zh-Hans, zh-Hant, en), its version and
content hash, and the signature line ("signed at … via …", or not yet signed). The text is set
in reportlab's built-in CID fonts, which need no font file: STSong-Light (Adobe-GB1, Simplified,
with Latin) for zh-Hans and English, MSung-Light (Adobe-CNS1) for zh-Hant. They are not
embedded: the reader's own CJK font shows them (Acrobat, Chrome, pdf.js, Preview all have one),
and the text stays extractable (tests/backend/service_records/test_pdf.py reads it back).

The labels are a document's, not the chat's, so they live here, beside the layout; the names
of products come from the knowledge base's wording (backend/knowledge/warranty.yml), those of
faults, work items and parts from the record itself.
"""

from __future__ import annotations

import io
from datetime import datetime, tzinfo
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import cidfonts, pdfmetrics
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backend.kernel import business_calendar
from backend.kernel.money import Currency, to_major
from backend.knowledge.warranty_answers import name_of
from backend.service_records.content import hash_of, stored
from backend.service_records.schemas import RecordContent

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
SONG, MING = "STSong-Light", "MSung-Light"
# Each language's fonts, the first that has a character setting it (what its encoding can
# say, as a stand-in for the font's collection): the record's data is in any script (a
# Simplified name in a Traditional record, a Hong Kong character in a Simplified one).
FONTS: dict[str, tuple[tuple[str, str], ...]] = {
    "zh-Hans": ((SONG, "gbk"), (MING, "big5hkscs")),
    "zh-Hant": ((MING, "big5hkscs"), (SONG, "gbk")),
    "en": (("Helvetica", "cp1252"), (SONG, "gbk"), (MING, "big5hkscs")),
}
SYMBOLS = {Currency.CNY: "¥", Currency.HKD: "HK$", Currency.TWD: "NT$"}

# key: (zh-Hans, zh-Hant, en)
_LABELS: dict[str, tuple[str, str, str]] = {
    "title.repair": ("维修记录", "維修記錄", "Repair record"),
    "title.installation": ("安装记录", "安裝記錄", "Installation record"),
    "title.other": ("服务记录", "服務記錄", "Service record"),
    "ticket": ("工单", "工單", "Ticket"),
    "ticket_number": ("工单号", "工單編號", "Ticket number"),
    "ticket_type": ("类型", "類型", "Type"),
    "version": ("版本", "版本", "Version"),
    "completed_at": ("完工时间", "完工時間", "Completed"),
    "product": ("产品", "產品", "Product"),
    "category": ("品类", "品類", "Category"),
    "brand": ("品牌", "品牌", "Brand"),
    "model": ("型号", "型號", "Model"),
    "serial": ("序列号", "序號", "Serial number"),
    "technician": ("技术人员", "技術人員", "Technician"),
    "name": ("姓名", "姓名", "Name"),
    "staff_number": ("工号", "員工編號", "Staff number"),
    "diagnosis_section": ("故障与诊断", "故障與診斷", "Fault and diagnosis"),
    "fault_category": ("故障类别", "故障類別", "Fault category"),
    "diagnosis": ("诊断", "診斷", "Diagnosis"),
    "work_items": ("服务项目", "服務項目", "Work done"),
    "item": ("项目", "項目", "Item"),
    "warranty_cover": ("保修", "保養", "Warranty"),
    "amount": ("金额", "金額", "Amount"),
    "parts": ("更换配件", "更換配件", "Parts fitted"),
    "part_number": ("配件编号", "配件編號", "Part number"),
    "part": ("配件", "配件", "Part"),
    "quantity": ("数量", "數量", "Qty"),
    "part_warranty_until": ("配件保修至", "配件保養至", "Part warranty until"),
    "none": ("无", "無", "None"),
    "in_warranty": ("保修内", "保養期內", "In warranty"),
    "out_of_warranty": ("保修外", "保養期外", "Chargeable"),
    "checklist": ("完工检查", "完工檢查", "Checklist"),
    "test_run": ("已试机", "已試機", "Test run done"),
    "usage_explained": ("已讲解使用", "已講解使用方法", "Usage explained"),
    "site_cleaned": ("已清理现场", "已清理現場", "Site cleaned"),
    "yes": ("是", "是", "Yes"),
    "no": ("否", "否", "No"),
    "charge": ("费用", "費用", "Charges"),
    "total": ("合计", "合計", "Total"),
    "paid": ("已付", "已付", "Paid"),
    "payment_method": ("付款方式", "付款方式", "Payment method"),
    "receipt_number": ("收据号", "收據編號", "Receipt number"),
    "warranty": ("保修期", "保養期", "Warranty"),
    "product_until": ("整机保修至", "整機保養至", "Product warranty until"),
    "parts_until": ("配件保修至", "配件保養至", "Parts warranty until"),
    "signature": ("客户确认", "客戶確認", "Customer's confirmation"),
    "signed": ("客户于 {at} 通过{channel}确认", "客戶於 {at} 經{channel}確認",
               "Signed at {at} via {channel}"),
    "unsigned": ("客户尚未确认（未签字）", "客戶尚未確認（未簽署）", "Not yet signed"),
    "hash": ("内容校验值（SHA-256）", "內容校驗值（SHA-256）", "Content hash (SHA-256)"),
    "type.repair": ("维修", "維修", "Repair"),
    "type.installation": ("安装", "安裝", "Installation"),
    "type.complaint": ("投诉", "投訴", "Complaint"),
    "type.return_exchange": ("退换货", "退換貨", "Return or exchange"),
    "type.inquiry": ("咨询", "查詢", "Inquiry"),
    "method.cash": ("现金", "現金", "Cash"),
    "method.wechat_pay": ("微信支付", "微信支付", "WeChat Pay"),
    "method.alipay": ("支付宝", "支付寶", "Alipay"),
    "method.card": ("银行卡", "信用卡／扣賬卡", "Card"),
    "channel.telegram": ("Telegram", "Telegram", "Telegram"),
    "channel.webchat": ("网页聊天", "網頁聊天", "web chat"),
    "channel.terminal": ("终端", "終端", "terminal"),
    "reason.product_warranty": ("整机保修", "整機保養", "product warranty"),
    "reason.main_parts_warranty": ("主要部件保修", "主要部件保養", "main parts warranty"),
    "reason.free_replacement": ("保修期内更换", "保養期內更換", "replaced in warranty"),
}

# Registered once, at import (renders run in worker threads). reportlab gives MSung-Light
# (Adobe-CNS1) the Simplified font's CMap, UniGB-UCS2-H, which readers refuse ("Unknown CMap
# 'UniGB-UCS2-H' for character collection 'Adobe-CNS1'"): its own is UniCNS-UCS2-H.
cidfonts.defaultUnicodeEncodings[MING] = ("cht", "UniCNS-UCS2-H")
for _font in (SONG, MING):
    pdfmetrics.registerFont(cidfonts.UnicodeCIDFont(_font))


class _Words:
    """The labels of one language, and how it writes dates, money and yes/no."""

    def __init__(self, language: str, zone: tzinfo) -> None:
        self.language = language if language in LANGUAGES else "zh-Hans"
        self.index = LANGUAGES.index(self.language)
        self.zone = zone

    def __call__(self, key: str, **values: object) -> str:
        return _LABELS[key][self.index].format(**values)

    def known(self, prefix: str, value: str | None) -> str:
        """A vocabulary value (a type, a payment method) in words; as it is if unknown."""
        if not value:
            return "-"
        return self(f"{prefix}.{value}") if f"{prefix}.{value}" in _LABELS else value

    def moment(self, value: datetime | None) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if value else "-"

    def money(self, minor: int, currency: str) -> str:
        """¥1,280.00, HK$250.00, NT$600.00 (the record's amounts are minor units)."""
        return f"{SYMBOLS[Currency(currency)]}{to_major(minor, currency):,}"

    def yes_no(self, value: bool) -> str:
        return self("yes" if value else "no")

    def cover(self, in_warranty: bool, reason: str | None) -> str:
        """In warranty (and why) or chargeable."""
        if not in_warranty:
            return self("out_of_warranty")
        if not reason:
            return self("in_warranty")
        why = self.known("reason", reason)
        return f"{self('in_warranty')}（{why}）" if self.index < 2 else \
            f"{self('in_warranty')} ({why})"


class _Styles:
    def __init__(self, fonts: tuple[tuple[str, str], ...]) -> None:
        self.fonts = fonts
        font = fonts[0][0]
        self.title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24,
                                    spaceAfter=2 * mm)
        self.heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=16,
                                      spaceBefore=4 * mm, spaceAfter=1.5 * mm)
        self.body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13,
                                   wordWrap="CJK")
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=11,
                                    textColor=colors.HexColor("#555555"))

    def p(self, text: object, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of text (`style`: body); none is a dash."""
        shown = "-" if text is None or text == "" else str(text)
        return Paragraph(_markup(shown, self.fonts), style or self.body)


def _font_of(character: str, fonts: tuple[tuple[str, str], ...]) -> str:
    for font, encoding in fonts:
        try:
            character.encode(encoding)
        except UnicodeEncodeError:
            continue
        return font
    return fonts[0][0]


def _markup(text: str, fonts: tuple[tuple[str, str], ...]) -> str:
    """The text as paragraph markup (escaped: data is never markup), each run of characters
    in the first of `fonts` that has them."""
    runs: list[tuple[str, str]] = []
    for character in text:
        font = _font_of(character, fonts)
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + character)
        else:
            runs.append((font, character))
    return "".join(escape(run) if font == fonts[0][0]
                   else f'<font face="{font}">{escape(run)}</font>' for font, run in runs)


def _fields(rows: list[tuple[str, object]], styles: _Styles, width: float) -> Table:
    table = Table([[styles.p(term), styles.p(value)] for term, value in rows],
                  colWidths=[width * 0.28, width * 0.72])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#555555")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd")),
    ]))
    return table


def _grid(header: list[str], rows: list[list[object]], widths: list[float],
          styles: _Styles) -> Table:
    table = Table([[styles.p(cell) for cell in header]]
                  + [[styles.p(cell) for cell in row] for row in rows],
                  colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
    ]))
    return table


def render(content: RecordContent, language: str, *, content_hash: str | None = None,
           zone: tzinfo | str | None = None) -> bytes:
    """The record as a PDF in `language` (zh-Hans, zh-Hant, en; another: zh-Hans).
    `content_hash`: the stored one (default: computed from `content`); `zone`: where times
    are shown (default: TICKET_TIMEZONE)."""
    if content_hash is None:
        content_hash = hash_of(stored(content))
    if zone is None:
        zone = business_calendar.current().timezone
    elif isinstance(zone, str):
        zone = ZoneInfo(zone)
    say = _Words(language, zone)
    styles = _Styles(FONTS[say.language])
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
        bottomMargin=16 * mm, title=f"{content.ticket_number} v{content.version}",
        lang=say.language)
    width = document.width
    c = content
    currency = c.charge.currency
    kind = c.ticket_type if c.ticket_type in ("repair", "installation") else "other"
    story: list = [
        styles.p(say(f"title.{kind}"), styles.title),
        styles.p(f"{c.ticket_number} / {say('version')} {c.version}"),
        styles.p(say("ticket"), styles.heading),
        _fields([(say("ticket_number"), c.ticket_number),
                 (say("ticket_type"), say.known("type", c.ticket_type)),
                 (say("version"), c.version),
                 (say("completed_at"), say.moment(c.completed_at))], styles, width),
        styles.p(say("product"), styles.heading),
        _fields([(say("category"), name_of("products", c.product.category, say.language)
                  if c.product.category else None),
                 (say("brand"), c.product.brand), (say("model"), c.product.model),
                 (say("serial"), c.product.serial)], styles, width),
        styles.p(say("technician"), styles.heading),
        _fields([(say("name"), c.technician.name),
                 (say("staff_number"), c.technician.staff_number)], styles, width),
        styles.p(say("diagnosis_section"), styles.heading),
        _fields([(say("fault_category"),
                  f"{c.fault_category.names.in_language(say.language)} ({c.fault_category.code})"),
                 (say("diagnosis"), c.diagnosis)], styles, width),
        styles.p(say("work_items"), styles.heading),
    ]
    if c.work_items:
        story.append(_grid(
            [say("item"), say("warranty_cover"), say("amount")],
            [[f"{item.names.in_language(say.language)} ({item.code})",
              say.cover(item.in_warranty, item.warranty_reason),
              say.money(item.amount, currency)] for item in c.work_items],
            [width * 0.5, width * 0.28, width * 0.22], styles))
    else:
        story.append(styles.p(say("none")))
    story.append(styles.p(say("parts"), styles.heading))
    if c.parts:
        story.append(_grid(
            [say("part"), say("quantity"), say("part_warranty_until"), say("warranty_cover"),
             say("amount")],
            [[f"{part.names.in_language(say.language)} ({part.part_number})", part.quantity,
              part.warranty_until.isoformat() if part.warranty_until else None,
              say.cover(part.in_warranty, None), say.money(part.amount, currency)]
             for part in c.parts],
            [width * 0.36, width * 0.08, width * 0.2, width * 0.16, width * 0.2], styles))
    else:
        story.append(styles.p(say("none")))
    story += [
        styles.p(say("checklist"), styles.heading),
        _fields([(say(name), say.yes_no(getattr(c.checklist, name)))
                 for name in ("test_run", "usage_explained", "site_cleaned")], styles, width),
        styles.p(say("charge"), styles.heading),
        _fields([(say("total"), say.money(c.charge.total, currency)),
                 (say("paid"), say.money(c.charge.paid, currency)),
                 (say("payment_method"), say.known("method", c.charge.payment_method)),
                 (say("receipt_number"), c.charge.receipt_number)], styles, width),
        styles.p(say("warranty"), styles.heading),
        _fields([(say("product_until"), c.warranty.product_until),
                 (say("parts_until"), c.warranty.parts_until)], styles, width),
        styles.p(say("signature"), styles.heading),
        styles.p(say("signed", at=say.moment(c.signature.signed_at),
               channel=say.known("channel", c.signature.channel))
           if c.signature else say("unsigned")),
        Spacer(1, 6 * mm),
        styles.p(f"{say('version')} {c.version} / {say('hash')}: {content_hash}", styles.small),
    ]
    document.build(story)
    return buffer.getvalue()
