"""Text lines and code contents → what kind of paper it is and the product's fields.

A field is given only when it was read with confidence; missing is much better than wrong:
- a value belongs to its label (型号, Invoice date, S/N …): after it in the same box, in the
  next box of the row, or under it (a table's column); never a value that is itself a label;
- two different values for one field (two models on one invoice, two purchase dates) give
  none;
- what follows a label that is none of ours (生产日期, Due date, 地址, 购买方 …) is nobody's
  value: a nameplate's production date is not the purchase date, the buyer is not the shop;
- codes are trusted over OCR where they say the same thing (a serial's bar code, an
  invoice QR code's date).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from backend.products.photos import codes as code_reading
from backend.products.photos import lexicon
from backend.products.photos.dates import find_dates
from backend.products.photos.layout import Cell, Line, Row, below, rows
from backend.products.photos.text import fold, normalize, normalize_aligned, words

# The recogniser's confidence under which a line's values are not used (it is ~0.95-1.0 on a
# clear line; a guessed character pulls it down). Brands and categories must match a word of
# our lists whole, which a misread seldom does: they are taken from less sure lines.
MIN_SCORE = 0.8
MIN_SCORE_LISTED = 0.6
# A code, a date or a name is taken only when each of its letters was read with at least this
# confidence: a line's score is its letters' mean, which one misread letter hardly lowers.
MIN_LETTER = 0.5
PRODUCT_FIELDS = ("category", "brand", "model", "serial")
Kind = Literal["invoice", "nameplate", "unknown"]
# The national model codes that name the product (GB/T 7725 air conditioners, GB/T 8059
# refrigerators, GB/T 4288 washing machines, GB 6932 gas water heaters).
MODEL_PREFIX_CATEGORY = (("KFR", "空调"), ("KF-", "空调"), ("BCD", "冰箱"), ("XQG", "洗衣机"),
                         ("XQB", "洗衣机"), ("JSQ", "热水器"), ("JSG", "热水器"))


@dataclass(frozen=True)
class Piece:
    """Some text of a line, normalised, with its letters' confidences and its line's."""

    text: str
    letters: tuple[float, ...]
    score: float
    row: int

    def sure(self, start: int = 0, end: int | None = None) -> bool:
        """Read with confidence: the line as a whole, and each letter of [start:end]."""
        return self.score >= MIN_SCORE and min(self.letters[start:end], default=0.0) >= MIN_LETTER


@dataclass(frozen=True)
class Value(Piece):
    """A label's value as read."""

    label: lexicon.Label


@dataclass
class Page:
    """The photo's text sorted out: labelled values, and the text that is nobody's value
    (searched for brands, categories and, on an invoice, an unlabelled date)."""

    grid: list[Row]
    values: list[Value] = field(default_factory=list)
    free: list[Piece] = field(default_factory=list)

    def of(self, *fields: str, least: float = MIN_SCORE) -> list[Value]:
        """The values of these labels from lines read with at least this confidence (brands
        and categories: whole words of our lists)."""
        return [value for value in self.values if value.label.field in fields
                and value.score >= least]

    def sure(self, *fields: str) -> list[Value]:
        """The values of these labels read with confidence, every letter (codes, dates,
        names: one misread letter makes them wrong)."""
        return [value for value in self.values if value.label.field in fields and value.sure()]


def read_fields(lines: Iterable[Line | str],
                codes: Sequence[str] = ()) -> tuple[Kind, dict[str, object]]:
    """The kind ("invoice", "nameplate", "unknown") and the fields read. Lines may be OCR's
    (with their boxes) or plain strings, one per row."""
    page = _sort_out(rows(lines))
    kind = _kind(page, codes)
    model = _model(page)
    candidates = {
        "model": model,
        "serial": _serial(page, codes, kind, model),
        "brand": _brand(page, kind),
        "category": _category(page, model),
    }
    if kind != "nameplate":
        candidates["purchase_date"] = _purchase_date(page, codes, kind)
        candidates["purchased_from"] = _seller(page, kind)
    found = {name: value for name, value in candidates.items() if value is not None}
    return kind, found


def _sort_out(grid: list[Row]) -> Page:
    """Each label's value, and the free text, cell by cell."""
    page = Page(grid)
    taken: set[tuple[int, int]] = set()  # cells that are a label's value (next or below)
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            line = _piece(cell, r)
            labels = _labels(line.text)
            start = labels[0].start() if labels else len(line.text)
            if (r, c) not in taken and line.text[:start].strip():
                page.free.append(_part(line, 0, start))
            for i, match in enumerate(labels):
                end = labels[i + 1].start() if i + 1 < len(labels) else len(line.text)
                value = _part(line, match.end(), end)
                if not value.text and i + 1 == len(labels):  # the value is elsewhere
                    value = _neighbour(grid, r, c, cell, taken) or value
                if value.text:
                    page.values.append(Value(value.text, value.letters, value.score,
                                             value.row, _label(line.text, match)))
    return page


def _piece(cell: Cell, row: int) -> Piece:
    text, letters = normalize_aligned(cell.text, cell.letters)
    return Piece(text, tuple(letters), cell.score, row)


def _part(piece: Piece, start: int, end: int) -> Piece:
    """piece.text[start:end] without the separators around it (": ", ", ")."""
    while start < end and piece.text[start] in " :;,":
        start += 1
    while end > start and piece.text[end - 1] == " ":
        end -= 1
    return Piece(piece.text[start:end], piece.letters[start:end], piece.score, piece.row)


def _label(text: str, match: re.Match[str]) -> lexicon.Label:
    """The label matched; a bare 日期 / Date after a word we do not know (送达日期, "Doe date":
    a misread Due date) is some other date, nobody's value."""
    label = lexicon.label_at(match)
    if label.field == "date" and label.rank == 1:
        before, english = text[:match.start()], match.group()[:1].isascii()
        if re.search(r"[A-Za-z]\s*$" if english else r"[\u3400-\u9fff]$", before):
            return lexicon.QUALIFIED_DATE
    return label


def _labels(text: str) -> list[re.Match[str]]:
    folded = fold(text)
    return [match for match in lexicon.LABEL_PATTERN.finditer(folded)
            if not lexicon.label_at(match).colon
            or folded[match.end():].lstrip().startswith(":")]


def _neighbour(grid: list[Row], r: int, c: int, cell: Cell,
               taken: set[tuple[int, int]]) -> Piece | None:
    """The value of a label that ends its box: the next box in the row, else the box under
    it (a table's header); never a box that starts with a label of its own (a label's
    neighbour is no value) or that is already another label's value."""
    spots = [(r, c + 1)] if c + 1 < len(grid[r]) else []
    if (under := below(grid, r, cell)) is not None:
        spots.append(under)
    for spot in spots:
        piece = _piece(grid[spot[0]][spot[1]], spot[0])
        labels = _labels(piece.text)
        if (labels and not piece.text[:labels[0].start()].strip()) or spot in taken:
            continue
        taken.add(spot)
        return _part(piece, 0, labels[0].start() if labels else len(piece.text))
    return None


def _one(values: Iterable[object]) -> object | None:
    """The value when every reading agrees; None when none, or when they disagree."""
    distinct = {value for value in values if value is not None}
    return distinct.pop() if len(distinct) == 1 else None


def _model(page: Page) -> object | None:
    """The labelled model; where no label says "model", one in an item's name (貨品: 樂聲
    NR-B421VG 雪櫃) when it cannot be anything else."""
    if labelled := page.of("model", least=0.0):
        return _one(code_reading.model_from(v.text, _is_brand) for v in labelled if v.sure())
    in_items = [code_reading.model_from(v.text, _is_brand) for v in page.sure("item")]
    return _one(code for code in in_items if code and code_reading.strong_model(code))


def _is_brand(token: str) -> bool:
    return any(pattern.fullmatch(token) for _, pattern in lexicon.BRAND_PATTERNS)


def _kind(page: Page, codes: Sequence[str]) -> Kind:
    text = " ".join(fold(normalize(cell.text)) for row in page.grid for cell in row)
    invoice = len({m.group().lower() for m in lexicon.INVOICE_WORDS.finditer(text)})
    invoice += 2 * any(code_reading.is_invoice_code(code) for code in codes)
    plate = len({m.group().lower() for m in lexicon.NAMEPLATE_WORDS.finditer(text)})
    if invoice > plate:
        return "invoice"
    return "nameplate" if plate > invoice else "unknown"


def _serial(page: Page, codes: Sequence[str], kind: str, model: object) -> str | None:
    """The labelled serial, or the one a code holds (a bar code's whole content only on a
    nameplate: on a receipt or a box it is anything); a code that reads nearly the same as
    the label's text corrects it (OCR's 0/O, 8/B)."""
    texts = {s for s in (code_reading.serial_from(v.text) for v in page.sure("serial")) if s}
    from_codes: set[str] = set()
    if kind != "invoice" and not any(code_reading.is_invoice_code(code) for code in codes):
        squashed_model = re.sub(r"[^A-Z0-9]", "", str(model or "").upper())
        serials = (code_reading.serial_from_code(code, plain=kind == "nameplate")
                   for code in codes)
        from_codes = {s for s in serials if s and re.sub(r"[^A-Z0-9]", "", s) != squashed_model}
    for text in texts:
        if text in from_codes:
            return text
    close = {code for code in from_codes for text in texts if _near(code, text)}
    if len(close) == 1:
        return close.pop()
    if texts:
        return texts.pop() if len(texts) == 1 else None
    return from_codes.pop() if len(from_codes) == 1 else None


def _near(a: str, b: str) -> bool:
    """At most two characters differ (same length) or one is missing."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 2
    if abs(len(a) - len(b)) == 1:
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1:] == short for i in range(len(long)))
    return False


def _purchase_date(page: Page, codes: Sequence[str], kind: str) -> date | None:
    """An invoice QR code's date, else the date after the most fitting label (开票日期 over
    日期), else on an invoice the one date printed without a label."""
    from_code = _one(code_reading.invoice_code_date(code) for code in codes)
    if isinstance(from_code, date):
        return from_code
    dated = page.of("date", least=0.0)
    for rank in (2, 1):
        readings = [(day, v.sure(start, end)) for v in dated if v.label.rank == rank
                    for start, end, day in find_dates(v.text)[:1]]
        if readings:  # a date read unsurely is not replaced by a less fitting one
            return _all_sure(readings)
    if kind != "invoice":
        return None
    # An invoice's date printed without a label, on a line of its own (Taiwan's e-invoice:
    # "2024-06-18 14:30:00"); not a date beside some text (a label misread: 保体对期 2026…).
    return _all_sure([(day, piece.sure(start, end)) for piece in page.free
                      if len(page.grid[piece.row]) == 1
                      for start, end, day in find_dates(piece.text)
                      if _ALONE.fullmatch(piece.text[:start] + piece.text[end:])])


# What may stand beside an unlabelled date on its line: a time, brackets, spaces.
_ALONE = re.compile(r"[\s()\[\]]*(?:\d{1,2}:\d{2}(?::\d{2})?)?[\s()\[\]]*")


def _all_sure(readings: list[tuple[date, bool]]) -> date | None:
    """The date all readings agree on, if every one was read with confidence."""
    if not readings or not all(sure for _, sure in readings):
        return None
    found = _one(day for day, _ in readings)
    return found if isinstance(found, date) else None


def _seller(page: Page, kind: str) -> str | None:
    # (Taiwan's 賣方 is followed by the seller's tax number: no name, and the header has it.)
    if named := [(name, value.sure()) for value in page.of("seller", least=0.0)
                 if (name := _name(value.text))]:
        found = _one(name for name, _ in named) if all(sure for _, sure in named) else None
        return found if isinstance(found, str) else None
    if kind != "invoice":
        return None
    # A receipt's header: the shop's name in one of the first rows.
    for piece in page.free:
        if piece.row < 3 and piece.sure() and SHOP_NAME.search(words(piece.text)) \
                and not TITLE.search(fold(piece.text)) and (name := _name(piece.text)):
            return name
    return None


SHOP_NAME = re.compile(r"电器|商行|商场|百货|有限公司|公司|专卖店|旗舰店|门市|超市|商城|[^\s]店$|"
                       r"(?<![A-Za-z])(?:Ltd|Limited|Co\.|Store|Shop|Centre|Center|Mart|"
                       r"Electric\w*|Appliances?|Inc)(?![a-z])", re.IGNORECASE)
TITLE = re.compile(r"发票|收据|小票|凭证|证明联|invoice|receipt", re.IGNORECASE)
_ADDRESS = re.compile(r"\d+\s*[号弄]|\d+[A-Za-z]?\s+\w+\s+(?:Road|Street|St\.|Rd\.?)", re.I)


def _name(value: str) -> str | None:
    """A shop's name as printed (Latin words OCR glued split again), or None for what is no
    name: a tax number, an address, a label."""
    value = re.sub(r"[(（]?\s*(?:盖章|蓋章|章)\s*[)）]?$", "", normalize(value)).strip(" :;,")
    letters = sum(char.isalpha() for char in value)
    if letters < 2 or letters < 0.6 * len(value.replace(" ", "")) or len(value) > 80:
        return None
    labels = _labels(value)
    if _ADDRESS.search(value) or (labels and labels[0].start() == 0):
        return None
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})", " ", value)


def _searched(page: Page) -> list[tuple[str, int, str]]:
    """The texts brands and categories are looked for in, as (where, row, words): free
    text, and the values of item, brand, maker and model labels, never the buyer's name, an
    address or the shop."""
    texts = [("free", piece.row, words(piece.text)) for piece in page.free
             if piece.score >= MIN_SCORE_LISTED]
    texts += [(v.label.field, v.row, words(v.text))
              for v in page.of("item", "brand", "maker", "model", least=MIN_SCORE_LISTED)]
    return texts


def _brand(page: Page, kind: str) -> str | None:
    hits = [(canonical, where, row) for where, row, text in _searched(page)
            for canonical, pattern in lexicon.BRAND_PATTERNS if pattern.search(text)]
    if len({canonical for canonical, _, _ in hits}) <= 1:
        return hits[0][0] if hits else None
    # Brands disagree (a maker's group name, a brand in a shop's name): the brand label's,
    # else the item's, else on a nameplate the largest text (its logo; on a receipt the
    # largest is the shop's name).
    for places in (("brand",), ("item", "model")):
        found = {canonical for canonical, where, _ in hits if where in places}
        if found:
            return found.pop() if len(found) == 1 else None
    if kind != "nameplate":
        return None
    return _one_on_tallest_row(page, {(canonical, row) for canonical, _, row in hits})


def _one_on_tallest_row(page: Page, hits: set[tuple[str, int]]) -> str | None:
    heights = {r: max(cell.height for cell in row) for r, row in enumerate(page.grid)}
    tallest = max(heights.values(), default=0)
    on_top = {canonical for canonical, row in hits if heights.get(row, 0) >= 0.95 * tallest}
    return on_top.pop() if len(on_top) == 1 else None


def _category(page: Page, model: object) -> str | None:
    hits = [(lexicon.category_of(match.group()), where) for where, _, text in _searched(page)
            for match in lexicon.CATEGORY_PATTERN.finditer(text)]
    hits += [("冰箱", "item") for v in page.of("item", least=MIN_SCORE_LISTED)
             if lexicon.FRIDGE_WITHOUT_CABINET.search(fold(v.text))]
    by_model = next((category for prefix, category in MODEL_PREFIX_CATEGORY
                     if str(model or "").upper().startswith(prefix)), None)
    found = {category for category, _ in hits if category}
    if len(found) <= 1:
        return found.pop() if found else by_model
    in_item = {category for category, where in hits if category and where == "item"}
    if len(in_item) == 1:
        return in_item.pop()
    return by_model if by_model in found else None
