"""Model and serial numbers as customers type them, for a product's registration
(product_details.py): after the words that introduce them (型号, 机型, 机身码, 出厂编号, 製造編號,
產品序號, "S/N", "serial #", "model no."), as the whole answer to the question, or in passing.

Spaces inside a number are kept ("SJ 436B00QC", "FD9912 012345", "DEEBOT T20 PRO"); the words
after it are not ("bought", 买的, a date, "3 days ago"); a brand in front of a model name stays
the brand's ("Roborock S8 MaxV Ultra": the model is S8 MaxV Ultra). What follows a serial
number's word is never a model, and the reverse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from bot.dialogue.extract import find_order_number
from bot.dialogue.purchase_date import read_purchase_date
from nlu.entities import BRAND_RE, product_words

MODEL, SERIAL = "model", "serial"

# Where a word for the number says which it is. Chinese first: 产品序列号, 机身码, 出厂编号, 條碼.
_MAKER = "产品|產品|机身|機身|机器|機器|整机|整機|出厂|出廠|制造|製造|生产|生產|铭牌|銘牌"
_ZH_SERIAL = (rf"(?:{_MAKER})?(?:序列号码|序列號碼|序[列例][号號]|序[号號]|串[号號])|"
              rf"(?:{_MAKER})(?:编码|編碼|编号|編號|条码|條碼|号码|號碼|码|碼|[号號])|"
              r"条形码|條形碼|条码|條碼|(?<![单單])(?:编号|編號)|机号|機號")
_ZH_MODEL = r"(?:产品|產品|规格|規格|机器|機器)?(?:型[号號]|机型|機型|型式)"
# English, typos included ("seriel", "modle"): S/N, SN:, serial no., serial #, model number.
_SUFFIX = r"(?:\s*(?:no(?![A-Za-z])\.?|nr(?![A-Za-z])\.?|number|num(?![A-Za-z])\.?|code|#))?"
# Not the start of a number itself ("SN-0099-8877").
_ALONE = r"(?![A-Za-z0-9]|[-_.][A-Za-z0-9])"
_EN_SERIAL = (r"(?<![A-Za-z0-9])(?:s\s?/\s?n(?![A-Za-z])|(?:s\.n\.?|sn|se?r(?:ia|ai|ie)l)"
              rf"{_ALONE}){_SUFFIX}")
_EN_MODEL = rf"(?<![A-Za-z0-9])(?:mod(?:el|le|al|ell)|mdl|m\s?/\s?n){_ALONE}{_SUFFIX}"
_LABEL = re.compile(rf"(?P<serial>{_ZH_SERIAL}|{_EN_SERIAL})|(?P<model>{_ZH_MODEL}|{_EN_MODEL})",
                    re.I)
# Between the word and the number: "是", "：", "is", "#", "码" (SN码).
_JOIN = re.compile(r"(?:\s*(?:(?:is|was)(?![A-Za-z])|[=:#]|是|为|為|係|系|号码|號碼|码|碼|[号號]))*\s*",
                   re.I)

# One piece of a printed number: letters and digits, with - / . _ + inside, and a variant's
# letters in brackets at its end ("BCD-508WKPZM(E)", "KFR-35GW(35592)FNhAa-B1").
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-/._+]*[A-Za-z0-9+])?"
                    r"(?:\([A-Za-z0-9\-]{1,8}\)(?:[A-Za-z0-9\-/._+]*[A-Za-z0-9+])?)?")
_BLANK = re.compile(r"[ \t]+")
# A number, then 年 / 月 / 号: a date's ("2025年").
_DATE_AFTER = re.compile(r"\s*(?:[年月日号號]|天前)")
_ORDINAL = re.compile(r"\d{1,2}(?:st|nd|rd|th)", re.I)
_FAR_FUTURE = date(9000, 1, 1)

_TIME_WORDS = frozenset(
    "day days week weeks month months year years yr yrs ago last next this yesterday today "
    "jan january feb february mar march apr april may jun june jul july aug august sep sept "
    "september oct october nov november dec december mon monday tue tues tuesday wed wednesday "
    "thu thur thurs thursday fri friday sat saturday sun sunday".split())
# Ordinary words that end a number ("... bought last week", "... from Costco").
_STOP = _TIME_WORDS | frozenset(
    "bought buy buying purchased purchase got get ordered order from at in on and with or the a "
    "an my our your it its it's is was are were be been i i'm im we you he she they have has had "
    "for since of to by via also but which that these those there here ok okay lol thanks thx "
    "thank please pls plz warranty invoice receipt register registered registering date dated "
    "about around approx roughly maybe probably think guess says say said printed written shows "
    "reads under behind side front door sticker label nameplate plate box new old brand just "
    "only still when where what how if so as no number num code unit units sorry hi hello hey "
    "serial model sn".split()) | frozenset(w for w in product_words() if w.isascii() and " " not in w)
# Words of a model's name typed in small letters ("t20 pro", "s8 maxv ultra").
_MODEL_WORDS = frozenset("pro max maxv ultra plus mini lite se air neo omni slim elite prime turbo "
                         "inverter eco smart detect absolute x s e v l xl xs hd uhd oled qled".split())


@dataclass(frozen=True)
class Code:
    """A number in the text: `kind` is what its word says it is (None: no word), `start` is
    where its word (or itself) begins."""
    kind: str | None
    value: str
    start: int
    end: int


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _is_date(token: str) -> bool:
    return bool(_ORDINAL.fullmatch(token)) or (
        bool(re.search(r"[/.\-]", token))
        and read_purchase_date(token, _FAR_FUTURE, lang="zh-Hant") is not None)


def _after_join(text: str, pos: int) -> int:
    """Where the number begins after its word ("型号是：", "serial no. is")."""
    joined = _JOIN.match(text, pos)
    return joined.end() if joined else pos


def _chain(text: str, pos: int) -> list[re.Match[str]]:
    """The pieces from `pos` on with only blanks between them."""
    chain = []
    while found := _TOKEN.match(text, pos):
        chain.append(found)
        gap = _BLANK.match(text, found.end())
        if gap is None:
            break
        pos = gap.end()
    return chain


def _is_brand(word: str) -> bool:
    return BRAND_RE.fullmatch(word) is not None


def _cut(chain: list[re.Match[str]], text: str, *, strict: bool = False,
         labels: frozenset[int] = frozenset()) -> list[re.Match[str]]:
    """The pieces of `chain` that belong to the number: up to an ordinary word, a date, a word
    for a number (`labels`: where they start; the chain then begins after one of them, and its
    first piece is the number whatever it looks like: 序列号 12.10.2025); after a brand.
    `strict` (no word introduced it): a word of letters alone only in capitals before the
    digits, or after them with a capital or as a model's word ("Pro")."""
    kept: list[re.Match[str]] = []
    for index, piece in enumerate(chain):
        word = piece.group()
        lower = word.lower()
        introduced = index == 0 and bool(labels)
        if index and piece.start() in labels or lower in _STOP or (
                not introduced and _is_date(word)) or _DATE_AFTER.match(text, piece.end()):
            if kept and lower in _TIME_WORDS and kept[-1].group().isdigit() and len(
                    kept[-1].group()) <= 3:
                kept.pop()  # "... 15 March", "... 3 days ago": the number is the date's
            break
        if _is_brand(word):
            kept = []  # "Roborock S8 MaxV Ultra": the brand, then the model
            continue
        if strict and word.isalpha():
            after_digits = any(any(c.isdigit() for c in k.group()) for k in kept)
            fits = (word.isupper() and len(word) >= 2 if not after_digits
                    else word != lower or lower in _MODEL_WORDS)
            if not fits:
                break
        kept.append(piece)
    return kept


def _span(text: str, pieces: list[re.Match[str]]) -> tuple[str, int, int]:
    start, end = pieces[0].start(), pieces[-1].end()
    return " ".join(text[start:end].split()), start, end


# Where the clause of a number's word ends: its number is not looked for beyond.
_CLAUSE_END = re.compile(r"[，,。;；!！?？\n]|\.(?:\s|$)")
_LOOK_AHEAD = 40  # characters after the word


def _later(text: str, pos: int, starts: frozenset[int], kind: str | None) -> list[re.Match[str]]:
    """The number a few words after its word ("序列号我看了下底下贴的是 DX9G26…", "the serial on
    the sticker says R1S8…"): the first piece that looks like one, in the same clause and
    before the next word for a number; a date is none."""
    end = min(len(text), pos + _LOOK_AHEAD)
    if stop := _CLAUSE_END.search(text, pos, end):
        end = stop.start()
    end = min((start for start in starts if pos <= start < end), default=end)
    looks = serial_like if kind == SERIAL else _model_like
    for found in _TOKEN.finditer(text, pos, end):
        word = found.group()
        if _is_date(word) or _DATE_AFTER.match(text, found.end()):
            continue
        pieces = _cut(_chain(text, found.start()), text, labels=starts)
        if pieces and looks(_span(text, pieces)[0]):
            return pieces
    return []


def labelled(text: str) -> list[Code]:
    """The numbers after a word for them, in order (`text` normalised)."""
    matches = list(_LABEL.finditer(text))
    starts = frozenset(m.start() for m in matches)
    codes: list[Code] = []
    for label in matches:
        if codes and label.start() < codes[-1].end:
            continue  # "SN" inside the serial number itself
        pos = _after_join(text, label.end())
        if label.lastgroup == MODEL and (brand := BRAND_RE.match(text, pos)):
            pos = _after_join(text, brand.end())
        pieces = _cut(_chain(text, pos), text, labels=starts)
        if not pieces or not _digits(text[pieces[0].start():pieces[-1].end()]):
            pieces = _later(text, pos, starts, label.lastgroup)
        if pieces:
            value, _, end = _span(text, pieces)
            codes.append(Code(label.lastgroup, value, label.start(), end))
    return codes


def _masked(text: str, codes: list[Code]) -> str:
    """`text` without the labelled numbers, their words, or an order number."""
    spans = [(c.start, c.end) for c in codes]
    spans += [(m.start(), m.end()) for m in _LABEL.finditer(text)]
    if order := find_order_number(text):
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(order), text, re.I)]
    for start, end in spans:
        text = text[:start] + "|" * (end - start) + text[end:]
    return text


def _runs(text: str) -> Iterator[str]:
    """Numbers no word introduced, in order (strict: see `_cut`)."""
    pos = 0
    while found := _TOKEN.search(text, pos):
        pieces = _cut(_chain(text, found.start()), text, strict=True)
        pos = pieces[-1].end() if pieces else found.end()
        if pieces:
            yield _span(text, pieces)[0]


def _whole_answer(text: str) -> str | None:
    """The answer itself when it is a number (a brand in front allowed): "SJ 436B00QC 买的"."""
    pos = len(text) - len(text.lstrip())
    if brand := BRAND_RE.match(text, pos):
        pos = _after_join(text, brand.end())
    pieces = _cut(_chain(text, pos), text)
    return _span(text, pieces)[0] if pieces else None


def _digits(code: str) -> bool:
    return any(c.isdigit() for c in code)


def _model_like(code: str) -> bool:
    """A model said in passing: letters and digits, four at least ("SMS4HTI45E", "FD 9807")."""
    return _digits(code) and any(c.isalpha() for c in code) and sum(c.isalnum() for c in code) >= 4


def serial_like(code: str) -> bool:
    return _digits(code) and sum(c.isalnum() for c in code) >= 6


def model_in(text: str, *, answering: bool) -> str | None:
    """The model number in `text`: after its word; else (`answering` the model question) the
    answer itself; else the first number no word introduced."""
    text = normalise(text)
    codes = labelled(text)
    found = next((c.value for c in codes if c.kind == MODEL and _digits(c.value)), None)
    if found:
        return found
    rest = _masked(text, codes)
    whole = _whole_answer(rest) if answering else None
    if whole and _digits(whole):
        return whole
    good = _digits if answering else _model_like
    return next((run for run in _runs(rest) if good(run)), None)


def serial_in(text: str, *, answering: bool) -> str | None:
    """The serial number in `text`: after its word; answering the serial question, also the
    answer itself or a number in it no word introduced (never a model's)."""
    text = normalise(text)
    codes = labelled(text)
    found = next((c.value for c in codes if c.kind == SERIAL and serial_like(c.value)), None)
    if found or not answering:
        return found
    rest = _masked(text, codes)
    whole = _whole_answer(rest)
    if whole and serial_like(whole):
        return whole
    return next((run for run in _runs(rest) if serial_like(run)), None)


def without_codes(text: str) -> str:
    """`text` with its labelled numbers blanked (their digits are no date)."""
    text = normalise(text)
    return _masked(text, labelled(text))
