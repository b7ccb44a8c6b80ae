"""Addresses inside what customers write: a Chinese one (Mainland, Hong Kong, Taiwan) after
我住 / 地址是 or holding a place and a door, an English one as the comma-separated run that holds a
street word and a number. Deterministic text rules, used on a first message that says more
than the address and on an answer to "where"."""

from __future__ import annotations

import re

from nlu.entities import find_phone

_HAN = re.compile(r"[\u3400-\u9fff]")
# Parts of a Chinese address (Mainland, Hong Kong, Taiwan): the admin levels and the door.
_ZH_PLACE = re.compile(r"省|市|区|區|县|縣|镇|鎮|乡|鄉|街道|新界|九龍|九龙|香港島|港島")
_ZH_DOOR = re.compile(
    r"路|街|道|巷|弄|里(?=\d)|号|號|室|楼|樓|栋|棟|幢|座|单元|單元|层|層|小区|小區|社区|社區|"
    r"大厦|大廈|花园|花園|公寓|苑|村|邨|屋苑|广场|廣場|中心|段|[A-Za-z]?\d+\s*[/樓楼F]")
# What comes before an address in a sentence: 我住, 地址是, 住喺 ...
_ZH_LABEL = re.compile(r"地址(?:是|係|系|为|為|喺)?\s*[:：]?\s*")
_ZH_CUE = re.compile(r"^.*?(?:地址(?:是|係|系|为|為|喺|:|：)?|我(?:家)?住(?:在|喺|係)?|住(?:在|喺)|"
                     r"家(?:在|喺)|位于|位於|(?<![現现实實存])在(?!家))\s*")
# Where a Chinese address stops: the phone, the time, "at home", a new request.
_ZH_TAIL = re.compile(r"(?:电话|電話|手机|手機|联系|聯繫|聯絡|联络|师傅|師傅|周|週|星期|礼拜|禮拜|"
                      r"明天|后天|後天|今天|聽日|听日|上午|下午|晚上|早上|在家|喺屋企|有人|请|請|"
                      r"麻烦|麻煩|谢谢|謝謝|唔該).*$")
# A road and a door number, or a number and a floor/flat: 英皇道979號, 5座9樓, 100號5樓.
_ZH_ROAD_NUMBER = re.compile(r"[路街道巷弄里]\s*\d+\s*[號号]|\d+\s*[號号座棟栋].{0,10}?\d+\s*[樓楼层層室]")
_CLAUSE = re.compile(r"[，,。;；!！?？\n]+")

_EN_STREET = re.compile(
    r"\b(?:road|rd|street|st|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
    r"terrace|crescent|square|highway|flat|floor|block|blk|tower|building|bldg|estate|mansion|"
    r"garden|gardens|court|centre|center|plaza|apartment|apt|unit|suite|room|rm|section|sec|"
    r"alley|lane|district|village)\b\.?", re.I)
_EN_CUE = re.compile(r"\b(?:i\s+live\s+(?:at|in|on)|i'?m\s+at|address\s*(?:is|:)?|located\s+at|"
                     r"come\s+to|we\s+are\s+at|we'?re\s+at|at)\s+", re.I)
_EN_STOP = re.compile(r"\b(?:phone|tel|mobile|call|contact|my\s+number|number\s+is|tomorrow|today|"
                      r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|"
                      r"afternoon|evening|weekend|next\s+week|please|pls|thanks|thank|i'?m\s+home|"
                      r"home\s+(?:on|after|from)|available|free\s+on)\b", re.I)


def find_address(text: str) -> str | None:
    """The address inside a message that says more (the fault, the phone, the time), or None;
    corrected where the customer corrects it ("四段12号 哦不对 是14号 3栋" -> "四段14号 3栋")."""
    fix = _ZH_CORRECTION.search(text)
    if fix:
        said = text[:fix.start()].rstrip(" …。，,")
        before = _chinese_address(said)
        after = [c for c in _CLAUSE.split(text[fix.end():].lstrip(" ，,:：…")) if c.strip()]
        if before and said.endswith(before) and after:  # the correction follows the address
            return _spliced(before, _ZH_TAIL.sub("", after[0]).strip(" 是係系"))
    zh = _chinese_address(text)
    if zh:
        return zh
    return _english_address(text) if len(_HAN.findall(text)) <= 4 else None


_ZH_CORRECTION = re.compile(r"[\s…。，,]*(?:哦不对|不对|不對|唔係唔係|唔係|唔啱|打错|打錯|说错|說錯|讲错|講錯)"
                            r"[了喇啦，,\s]*")
# Where a correction starts: a number and its unit (14号) or a name and its kind (海天閣).
_UNIT = re.compile(r"^(\d+)\s*(\S)|^([\u3400-\u9fff]{1,4}?)(" + _ZH_DOOR.pattern + ")")


def _spliced(before: str, after: str) -> str:
    """The address with its corrected part: what `after` starts with replaces the last part of
    the same kind in `before`; `after` alone when it is an address of its own."""
    unit = _UNIT.match(after)
    if unit and unit.group(1):  # "14号 3栋": the last number before 号
        spots = list(re.finditer(rf"\d+\s*{re.escape(unit.group(2))}", before))
    elif unit:  # "海天閣20樓A室": the last name before 閣
        spots = list(re.finditer(rf"[\u3400-\u9fff]{{1,{len(unit.group(3))}}}"
                                 rf"{re.escape(unit.group(4))}", before))
    else:
        spots = []
    if spots:
        return before[:spots[-1].start()] + after
    return after if len(_HAN.findall(after)) >= 5 and _ZH_DOOR.search(after) else before


def _chinese_address(text: str) -> str | None:
    for clause in _CLAUSE.split(text):
        clause = clause.strip()
        label = _ZH_LABEL.search(clause)  # "地址：柴灣環翠邨澤翠樓1103室" says what it is
        if not ((_ZH_PLACE.search(clause) or label) and _ZH_DOOR.search(clause)
                or _ZH_ROAD_NUMBER.search(clause)):
            continue
        # From where the address starts (after 我住 / 地址是 ...) to where it stops.
        cue = label or _ZH_CUE.match(clause)
        candidate = (clause[cue.end():] if cue and (label or len(clause) - cue.end() >= 5)
                     else clause)
        candidate = _ZH_TAIL.sub("", candidate).strip(" ：:")
        phone = find_phone(candidate)
        if phone:
            candidate = candidate.split(phone[:3])[0].strip()
        if len(_HAN.findall(candidate)) >= 5 and _ZH_DOOR.search(candidate):
            return candidate
    return None


# Words of a story, not of an address ("Bought a TV from your Nathan Road shop in March").
_EN_STORY = re.compile(r"\b(?:i|i'?m|i'?ve|my|me|we|our|you|your|it|its|this|that|was|were|"
                       r"bought|since|when|because|every|last|randomly|keeps?|broke|broken)\b",
                       re.I)


_EN_ABBREVIATION = re.compile(r"\b(no|st|rd|ave|blk|apt|bldg|flr|fl|rm|dr|mt|sec|ln)\.(?=\s*\w)", re.I)
_DOT = "\u2024"  # a one-dot leader stands in for the dot while sentences are split


def names_a_street(text: str) -> bool:
    """English words of an address without a number ("Flat C, Kornhill, Quarry Bay"), not a
    sentence about one ("I don't know the street name")."""
    return bool(_EN_STREET.search(text)) and not _EN_STORY.search(text)


def _english_address(text: str) -> str | None:
    # Split into sentences, then take the comma-separated run that holds a street word and a
    # number (123 Nathan Road, Flat 5B, 12/F, Tower 2 ...).
    # "No. 18", "St. James": an abbreviation's dot does not end the sentence.
    text = _EN_ABBREVIATION.sub(lambda m: m.group(1) + _DOT, text)
    for sentence in re.split(r"[.;!?\n]+(?:\s|$)", text):
        parts = [p.strip() for p in sentence.split(",")]
        run: list[str] = []
        for part in parts:
            cue = _EN_CUE.search(part)
            if cue and not run:
                part = part[cue.end():]
            stop = _EN_STOP.search(part)
            if stop:
                part = part[:stop.start()].strip(" -:")
            looks = bool(_EN_STREET.search(part) or re.search(r"\d", part)
                         or (run and re.match(r"^[A-Z][a-zA-Z .'-]+$", part)))
            if part and looks and not find_phone(part) and not _EN_STORY.search(part):
                run.append(part)
            elif run:
                break
            if stop and run:
                break
        address = ", ".join(run)
        if (_EN_STREET.search(address) and re.search(r"\d", address)
                and len(address.split()) >= 3):
            return address.replace(_DOT, ".")
    return None
