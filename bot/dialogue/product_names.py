"""Which appliance a message names: its words as customers write them (冷氣, fridge), and
their slips ("my fridg", "洗依机"), read to the canonical product (nlu/entities.py)."""

from __future__ import annotations

import difflib
import re

from nlu.entities import canonical_product, product_words

# Every word customers use for the products, and the product each names.
PRODUCT_WORDS = product_words()
_PRODUCT_OF = {word: product for word in PRODUCT_WORDS if (product := canonical_product(word))}
_EN_PRODUCTS = [w for w in _PRODUCT_OF if w.isascii() and len(w) >= 4]
_ZH_PRODUCTS = [w for w in _PRODUCT_OF if not w.isascii() and len(w) == 3]


def find_product(text: str) -> str | None:
    """The product a message names, misspelt too ("my fridg", "洗碗幾")."""
    return canonical_product(text) or guess_product(text)


# Words close to an appliance's name that are words of their own ("won't heat" is no heater).
_EN_VERBS = frozenset({"heat", "heats", "heated", "wash", "washes", "washed", "drain", "drains",
                       "cook", "cooks", "cooked", "cool", "cools", "cooled", "dry", "dries"})


def _last_word_near(piece: str, name: str) -> bool:
    last, name_last = piece.split()[-1], name.split()[-1]
    return difflib.SequenceMatcher(None, last, name_last).ratio() >= 0.75


def guess_product(text: str) -> str | None:
    """The product a misspelt message names ("my fridg", "washng machine", "洗碗幾"), when
    exactly one product is that close; None rather than a coin toss ("洗晚机": 洗碗机 or 洗衣机?)."""
    lowered = text.lower()
    found: set[str] = set()
    words = re.findall(r"[a-z]+", lowered)
    for size in (1, 2):
        for i in range(len(words) - size + 1):
            piece = " ".join(words[i:i + size])
            if len(piece) >= 4 and piece not in _EN_VERBS:
                close = difflib.get_close_matches(piece, _EN_PRODUCTS, n=3, cutoff=0.8)
                # Each word must be near its own: "kitchen floor" is no "kitchen hood".
                found.update(_PRODUCT_OF[name] for name in close if _last_word_near(piece, name))
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        for i in range(len(run) - 2):
            piece = run[i:i + 3]
            close = difflib.get_close_matches(piece, _ZH_PRODUCTS, n=5, cutoff=0.66)
            # 洗依机: 衣 and 依 sound the same (yī), 碗 does not: the washing machine.
            heard = [name for name in close if _sounds_like(piece, name)]
            found.update(_PRODUCT_OF[name] for name in (heard or close))
    return found.pop() if len(found) == 1 else None


# Characters typed for another of the same sound (a pinyin keyboard's slip) in appliances' names.
_SAME_SOUND = ("衣依医伊一", "碗晚腕完婉", "机几鸡基积", "機幾雞基積", "箱相厢香湘", "器气汽",
               "视是事试", "視是事試", "调掉", "調掉", "灶造噪", "炉芦卢", "爐蘆盧", "烤考",
               "冰兵", "热热惹", "熱惹", "电店点", "電店點")


def _sounds_like(written: str, name: str) -> bool:
    """Each character of `written` is the name's own or one pronounced the same."""
    return len(written) == len(name) and all(
        a == b or any(a in group and b in group for group in _SAME_SOUND)
        for a, b in zip(written, name, strict=True))


def is_only_product(text: str) -> bool:
    """The answer names an appliance and nothing else ("冰箱", "the washing machine")."""
    rest = re.sub(r"^\s*(?:(?:my|the|a|an|our)\s+|我的|我家的|我家|系|係|是)", "", text.lower())
    rest = re.sub(r"[\s,.，。!！]+", "", rest)
    return bool(rest) and any(rest == w.replace(" ", "") for w in PRODUCT_WORDS)
