"""The forms a customer fills in through the chat: which details each needs, and how an
answer is checked. Texts (questions, error messages) are in the catalogues under
`form.<form>.ask.<slot>` and `invalid.<slot>`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nlu.client import Parse
from nlu.entities import find_phone, normalise_entity

# Products offered as buttons; values are the canonical names the NLU normalises to.
PRODUCTS = ("空调", "冰箱", "洗衣机", "热水器", "电视", "油烟机", "燃气灶", "洗碗机", "微波炉",
            "净水器")

_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]+")


def _clean(text: str, limit: int) -> str | None:
    text = " ".join(text.split())
    return text if text and len(text) <= limit else None


def accept_product(text: str, parse: Parse | None) -> str | None:
    if parse and parse.entity("product"):
        return parse.entity("product")
    canonical = normalise_entity("product", text.strip())
    if canonical in PRODUCTS:
        return canonical
    return _clean(text, 30)


def accept_description(text: str, parse: Parse | None) -> str | None:
    text = _clean(text, 1000) or ""
    return text if len(text) >= 2 else None


def accept_address(text: str, parse: Parse | None) -> str | None:
    text = _clean(text, 300) or ""
    # Enough to find the door: a few Chinese characters or a few words.
    return text if len(_HAN.findall(text)) >= 4 or len(_WORD.findall(text)) >= 2 else None


def accept_phone(text: str, parse: Parse | None) -> str | None:
    return find_phone(text)


def describes_a_fault(text: str) -> bool:
    """Whether a first message says more than "I need a repair", so it can stand as the
    fault description and is not asked for again."""
    return len(_HAN.findall(text)) >= 8 or len(_WORD.findall(text)) >= 5


@dataclass(frozen=True)
class Slot:
    name: str
    accept: Callable[[str, Parse | None], str | None]
    # Values offered as buttons (the customer may still type anything).
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    name: str
    ticket_type: str
    slots: tuple[Slot, ...]

    def slot(self, name: str) -> Slot:
        return next(s for s in self.slots if s.name == name)


REPAIR = FormSpec(
    name="repair",
    ticket_type="repair",
    slots=(
        Slot("product", accept_product, PRODUCTS),
        Slot("description", accept_description),
        Slot("address", accept_address),
        Slot("phone", accept_phone),
    ),
)

FORMS = {form.name: form for form in (REPAIR,)}
