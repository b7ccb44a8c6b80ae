"""Model and serial numbers: taken from a label's value, cleaned of OCR's usual confusions
only where the reading is not in doubt, and refused when they do not look like one.

And what a bar code or QR code holds: a nameplate's serial (plain, or as sn=… in a link), or
an invoice's own data (the Mainland's e-invoice QR code and Taiwan's carry the invoice date).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from urllib.parse import parse_qsl, urlsplit

from backend.products.photos.dates import compact_date, find_dates, roc_compact_date
from backend.products.photos.text import normalize

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/().+#_]*")
# Spaces OCR leaves next to a code's separators: "KFR-35GW/ BpR3DN1Y", "XQG100 -14586".
_SPACED_SEPARATOR = re.compile(r"(?<=[A-Za-z0-9])\s*([-/])\s*(?=[A-Za-z0-9(])")
_DIGIT_RUN_LOOKALIKE = re.compile(r"(?<=\d)[OoIl|]+(?=\d)")
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
# The national model code of an air conditioner (GB/T 7725): KFR-35GW/…, KF-26GW(…)…: the
# unit type (GW wall, LW floor, …) is followed by a slash, a bracket, a dash or nothing. A
# letter there is a misread slash ("KFR-72LWNJF16": the "/V" read as "N").
_AC_CODE = re.compile(r"KFR?D?-\d{2,3}[A-Z]{1,2}W(?P<next>.?)")


def _lookalikes_fixed(code: str) -> str:
    return _DIGIT_RUN_LOOKALIKE.sub(lambda m: m.group().translate(_LOOKALIKES), code)


def _balanced(code: str) -> str | None:
    """The code without a dangling bracket at its end; None if brackets still don't pair
    (a bracket lost in the middle is a misread, not something to fix)."""
    code = code.rstrip(".,:;-/")
    if code.endswith("(") or (code.count(")") > code.count("(") and code.endswith(")")):
        code = code[:-1]
    return code if code.count("(") == code.count(")") else None


def model_from(value: str, skip: Callable[[str], bool] = lambda token: False) -> str | None:
    """The model number at the start of a label's value ("KFR-35GW/BpR3DN1Y-DA400(B3) 1台"),
    or None when what is there is no model number. Tokens `skip` says are no part of it (a
    brand's name before the model) are passed over."""
    value = _SPACED_SEPARATOR.sub(r"\1", normalize(value))
    for match in _TOKEN.finditer(value):
        if skip(match.group()) or (len(match.group()) < 3 and not re.search(
                r"[A-Za-z]\d|\d[A-Za-z]", match.group())):
            continue  # a brand, a stray "1" or "台"'s neighbour: look at the next token
        code = _balanced(_lookalikes_fixed(match.group()))
        return code if code is not None and _looks_like_model(code) else None
    return None


def strong_model(code: str) -> bool:
    """A code that names a model even without a label (in an item's name): a national model
    code, or letters and digits joined by a dash or slash ("NR-B421VG"; not "1.5HP")."""
    return bool(re.match(r"(?:KFR|KF-|BCD|XQG|XQB|JSQ|JSG)", code.upper())) or (
        len(code) >= 6 and re.search(r"[A-Za-z]{2}", code) is not None
        and re.search(r"[A-Za-z0-9][-/][A-Za-z0-9]", code) is not None)


# The national codes' prefixes (GB/T 7725, 8059, 4288, GB 6932); a code that starts with one
# of them with a letter swapped for its usual lookalike ("J5Q20-12GV9", "8CD-215") is that
# code misread.
NATIONAL_PREFIXES = ("KFR", "BCD", "XQG", "XQB", "JSQ", "JSG")
LOOKALIKES = {frozenset(pair) for pair in ("5S", "8B", "0O", "0Q", "0D", "OQ", "1I", "6G", "2Z")}
# A rating read next to a label (220V~50Hz, 1500W, 60L): no model.
_RATING = re.compile(r"(?:\d+(?:\.\d+)?(?:V|W|KW|HZ|L|KG|A|MM)[-~/]?)+", re.IGNORECASE)


_DOT_INSIDE = re.compile(r"[A-Za-z0-9]\.[A-Za-z0-9]")


def _misread_prefix(code: str) -> bool:
    head = code[:3].upper()
    for prefix in NATIONAL_PREFIXES:
        swapped = [frozenset((a, b)) for a, b in zip(head, prefix) if a != b]
        if len(swapped) == 1 and swapped[0] in LOOKALIKES:
            return True
    return False


def _looks_like_model(code: str) -> bool:
    if not 4 <= len(code) <= 40 or "://" in code:
        return False
    if _misread_prefix(code) or _RATING.fullmatch(code) or _DOT_INSIDE.search(code):
        return False  # a letter misread, a rating, a dash read as a dot ("F5049.D6")
    if not re.search(r"\d", code) or not re.search(r"[A-Za-z]", code):
        return False
    if find_dates(code) or re.fullmatch(r"[A-Z]{0,3}\$?[\d,.]+", code):
        return False  # a date or an amount (HK$4,999.00)
    ac = _AC_CODE.match(code.upper())
    return not (ac and ac.group("next") not in ("", "/", "(", "-"))


def serial_from(value: str) -> str | None:
    """The serial number at the start of a label's value, its space-separated groups joined
    ("4A2B 0C91 2345"), or None."""
    groups = []
    for group in normalize(value).split(" "):
        group = group.strip(".,;:")
        if not re.fullmatch(r"[A-Za-z0-9-]+", group) or not re.search(r"\d", group):
            break
        groups.append(group)
    serial = _lookalikes_fixed("".join(groups)).upper()
    return serial if _looks_like_serial(serial) else None


def _looks_like_serial(serial: str) -> bool:
    return (6 <= len(serial) <= 40 and len(re.findall(r"\d", serial)) >= 4
            and re.fullmatch(r"[A-Z0-9-]+", serial) is not None and len(set(serial)) > 2
            and not find_dates(serial))


_SERIAL_KEYS = {"sn", "serial", "serialno", "serial_no", "serialnumber", "sno", "s/n", "barcode",
                "machine_sn", "productsn"}
_SERIAL_IN_TEXT = re.compile(r"(?:s/?n|serial(?:\s*no\.?)?)\s*[:=]\s*([A-Za-z0-9-]+)", re.I)


def serial_from_code(content: str, plain: bool = True) -> str | None:
    """The serial a code holds: sn=… in a link, "SN: …", or (`plain`: on a nameplate, where
    a bar code is the serial's) the whole content."""
    content = content.strip()
    if re.match(r"(?i)https?://|www\.", content):
        query = urlsplit(content if "://" in content else f"https://{content}").query
        for key, value in parse_qsl(query):
            if key.lower() in _SERIAL_KEYS:
                return serial_from(value)
        return None
    if found := _SERIAL_IN_TEXT.search(content):
        return serial_from(found.group(1))
    if plain and re.fullmatch(r"[A-Za-z0-9-]{6,40}", content):
        return serial_from(content)
    return None


def invoice_code_date(content: str) -> date | None:
    """The invoice date in an invoice's QR code: the Mainland's "01,<type>,<code>,<number>,
    <amount>,<YYYYMMDD>,…" and Taiwan's e-invoice "<AB12345678><YYYMMDD>…" (ROC year)."""
    parts = content.split(",")
    if len(parts) >= 6 and parts[0] == "01":
        return compact_date(parts[5])
    if taiwan := re.match(r"[A-Z]{2}\d{8}(\d{7})\d{4}[0-9a-fA-F]{16}", content):
        return roc_compact_date(taiwan.group(1))
    return None


def is_invoice_code(content: str) -> bool:
    return invoice_code_date(content) is not None
