"""The forms a customer fills in through the chat: which details each needs, and how an
answer is checked. Texts live in the catalogues: the question `form.<form>.ask.<slot>`, the
field's name `field.<slot>`, the complaint about a bad answer `invalid.<slot>` (or the key a
slot's `explain` gives), and button labels `choice.<slot>.<value>`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.dialogue.addresses import find_address, names_a_street
from bot.dialogue.extract import (
    corrected,
    is_non_answer,
    puts_off,
    says_delivered,
)
from bot.dialogue.product_details import (
    Accept,
    accept_brand,
    accept_model,
    accept_purchase_date,
    accept_serial,
    accept_shop,
    find_brand,
    find_model,
    find_purchase_date,
    find_serial,
    find_shop,
    or_not_known,
    purchase_date_in,
)
from bot.dialogue.product_names import PRODUCT_WORDS, find_product, is_only_product
from bot.dialogue.when import earliest, parse_when, problem_with
from nlu.client import Parse

# Products offered as buttons are the canonical names the NLU normalises to.
from nlu.entities import (
    PRODUCTS,
    canonical_product,
    canonical_ticket_number,
    find_phone,
    normalise_entity,
    normalise_phone,
)

_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]+")
_ERROR_CODE = re.compile(r"\b[A-Za-z]{1,2}\s?-?\d{1,3}\b|\b\d[A-Za-z]\b")  # E4, F-21; 4C
_ORDER_NUMBER = re.compile(r"\b[A-Za-z]{0,4}\d{6,24}\b")


def _clean(text: str, limit: int) -> str | None:
    text = " ".join(text.split())
    return text if text and len(text) <= limit else None


def _free_text(minimum: int, limit: int) -> Callable[..., str | None]:
    def accept(text: str, parse: Parse | None, now: datetime) -> str | None:
        value = _clean(text, limit) or ""
        return value if len(value) >= minimum and not is_non_answer(value) else None
    return accept


def explain_free_text(text: str, now: datetime) -> str | None:
    """"不知道", "see photo": no detail given (the question is asked again)."""
    return "invalid.non_answer" if is_non_answer(text) else None


def accept_product(text: str, parse: Parse | None, now: datetime) -> str | None:
    found = parse.entity("product") if parse else None
    if found in PRODUCTS:
        return found
    # The whole answer, or a product name inside it (滚筒洗衣机, 電冰箱), or a close spelling.
    canonical = normalise_entity("product", text.strip())
    if canonical in PRODUCTS:
        return canonical
    if found:
        return found
    if is_non_answer(text) or find_phone(text) or find_address(text) or _SENTENCE.search(text):
        return None
    return _clean(text, 30)  # an appliance we do not list (烤箱, "oven")


def accept_category(text: str, parse: Parse | None, now: datetime) -> str | None:
    """A product to register is one of the categories we keep policies for: "我看一下喔" is
    not an appliance, whatever else a repair's free-text product may be."""
    product = accept_product(text, parse, now)
    return product if product in PRODUCTS else canonical_product(product or "") or None


def explain_category(text: str, now: datetime) -> str | None:
    return explain_free_text(text, now) or "invalid.category"


# Words of a sentence, not of an appliance's name ("右边的还正常", "it is broken").
_SENTENCE = re.compile(r"[的了还還不没沒是在有吗嗎呢吧很都就也要唔冇咗喺]|\b(?:is|are|was|not|the|it|"
                       r"does|doesn'?t|won'?t|can'?t|has|have)\b", re.I)


# An answer to "where" that names a road, a building or a door (Mainland, HK, Taiwan).
_DOOR = re.compile(r"路|街|道|巷|弄|号|號|室|楼|樓|栋|棟|幢|座|单元|單元|层|層|村|邨|苑|"
                   r"大厦|大廈|花园|花園|小区|小區|公寓|屋|城|閣|阁|軒|轩|園|园|庭|居|坊|院|灣|湾|"
                   r"山莊|山庄|廣場|广场|\d")


def accept_address(text: str, parse: Parse | None, now: datetime) -> str | None:
    text = _clean(text, 300) or ""
    if is_non_answer(text) or is_only_product(text):
        return None
    # Said with more (the phone, the time): the address part of it.
    found = find_address(text)
    if found:
        return found
    # Enough to find the door: a few Chinese characters naming a road, building or number,
    # or a number and a few words.
    if len(_HAN.findall(text)) >= 4 and _DOOR.search(text):
        return text
    words = _WORD.findall(text)
    if len(words) >= 3 and names_a_street(text):
        return text
    return text if len(words) >= 2 and re.search(r"\d", text) else None


def explain_address(text: str, now: datetime) -> str:
    if is_non_answer(text):
        return "invalid.non_answer"
    if is_only_product(text):
        return "invalid.address_product"
    return "invalid.address"


# An answer to "which phone number" that is a number as written anywhere: "(847) 555-0142",
# "07700 900412", "0412 345 678", "+44 20 7946 0958"; words around it ("my number is") allowed.
_PHONE_WORDS = re.compile(r"(?:my\s+)?(?:(?:mobile|cell|phone|tel|contact)\s*(?:number|no\.?|#)?|"
                          r"number|call\s+me\s+(?:on|at)|it'?s|is|電話|电话|手機|手机|號碼|号码|係|是)"
                          r"[\s:：]*", re.I)
_ANY_PHONE = re.compile(r"^\+?[\d\s\-().]{7,22}$")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$")


def accept_phone(text: str, parse: Parse | None, now: datetime) -> str | None:
    found = find_phone(text)
    if found:
        return found
    rest = _PHONE_WORDS.sub(" ", text).strip(" .,，。")
    digits = re.sub(r"\D", "", rest)
    if not _ANY_PHONE.match(rest) or _DATE.match(rest) or not 9 <= len(digits) <= 15:
        return None
    if not rest.startswith("+") and (digits.startswith("1") or digits.startswith("09")):
        return None  # a Mainland or Taiwan mobile with a digit too many or too few: typed wrong
    return normalise_phone(rest)


def accept_error_code(text: str, parse: Parse | None, now: datetime) -> str | None:
    if parse and parse.entity("error_code"):
        return parse.entity("error_code")
    match = _ERROR_CODE.search(text)
    return normalise_entity("error_code", match.group(0)) if match else None


# "改到", "推到", "改做", "move it to": what follows is the time wanted, not the one kept.
_CHANGE_TO = re.compile(r"改到|改成|改为|改為|改做|改去|改喺|推到|推迟到|推遲到|延到|换到|換到|调到|調到|"
                        r"换成|換成|change\s*到|改(?=星期|礼拜|禮拜|周|週|明|后天|後天|後日|下|聽日|听日|今|\d)|"
                        r"\b(?:move[d]?|change[d]?|reschedule[d]?|push(?:ed)?)\b.{0,30}?\bto\b", re.I)
# A time the customer cannot make: "我那天要加班", "周六我不在家", "can't be home on Friday".
_CANNOT = re.compile(r"不在家|没人|沒人|冇人|(?<!得)唔得|(?<!行)不行|(?<!可)不可以|(?<!可)唔可以|唔喺屋企|唔在家|要加班|要返工|要上班|没空|沒空|唔得閒|不方便|唔方便|有事|"
                     r"\bcan'?t\s+(?:be|make|do)\b|\bcannot\s+(?:be|make|do)\b|"
                     r"\bnot\s+(?:home|available|free|around)\b|\bno\s*one\s+(?:home|in)\b|\bnobody\b|\bbusy\b|\bworking\b|\baway\b",
                     re.I)
_TIME_CLAUSE = re.compile(r"[，,。.;；!！?？]+|\s{2,}")


def wanted_time(text: str, now: datetime) -> str:
    """The words about the new time: the correction when the customer corrects themselves
    ("改到周六 哦不 周日上午"), without the times they cannot make ("周六我不在家"); then after
    "改到 / move it to" when the day or window is there, else the words after it followed by
    those before ("聽日可唔可以改做下晝": 聽日 and 下晝)."""
    fixed = corrected(text)
    if fixed and parse_when(fixed, now=now) is not None:
        text = fixed
    kept = [c for c in _TIME_CLAUSE.split(text) if c.strip() and not _CANNOT.search(c)]
    if kept and parse_when(" ".join(kept), now=now) is not None:
        text = "，".join(kept)
    marker = _CHANGE_TO.search(text)
    if marker is None:
        return text
    after, before = text[marker.end():], text[:marker.start()]
    return after if parse_when(after, now=now) is not None else f"{after} {before}"


# "越快越好", "asap", "今日得唔得": the earliest day that can still be booked (shown in the summary,
# where the customer can change it). "随便", "any time" is asked again: which day, then?
_SOONEST = re.compile(r"越快越好|越早越好|尽快|盡快|尽早|盡早|最快|愈快愈好|快啲|\basap\b|"
                      r"\bas\s+soon\s+as\s+(?:possible|you\s+can)\b|\bearliest\b", re.I)


def accept_when(text: str, parse: Parse | None, now: datetime) -> str | None:
    text = wanted_time(text, now)
    appointment = parse_when(text, now=now)
    if appointment is None or problem_with(appointment, text, now=now):
        return None
    return str(appointment)


def accept_visit_time(text: str, parse: Parse | None, now: datetime) -> str | None:
    """A first visit's time: as accept_when, and "asap" is the earliest day."""
    value = accept_when(text, parse, now)
    if value is None and _SOONEST.search(text) and parse_when(text, now=now) is None:
        value = str(earliest(now))
    return value


def explain_when(text: str, now: datetime) -> str:
    if puts_off(text):  # "我得问问我媳妇哪天在家": no time yet ("随便" gets the examples)
        return "invalid.non_answer"
    text = wanted_time(text, now)
    appointment = parse_when(text, now=now)
    if appointment is None:
        return "invalid.when"
    return problem_with(appointment, text, now=now) or "invalid.when"


def accept_ticket(text: str, parse: Parse | None, now: datetime) -> str | None:
    return (parse.entity("ticket_number") if parse else None) or canonical_ticket_number(text)


def accept_item(text: str, parse: Parse | None, now: datetime) -> str | None:
    """A return or exchange is about a product or an order number."""
    order = _ORDER_NUMBER.search(text)
    if order:
        return order.group(0).upper()
    return accept_product(text, parse, now)


# Words that only ask for a service or name the appliance: a message made of them alone
# ("我要报修", "I'd like to book a repair") says nothing about the fault or the reason.
_REQUEST_WORDS = re.compile(
    r"我家|我的|我们|我想|我要|想要|需要|申请|麻烦|请|帮我|帮忙|幫我|幫忙|報修|报修|维修|維修|修理|"
    r"上门|上門|派个师傅|派個師傅|师傅|師傅|来看看|來看看|看一下|预约|預約|安装|安裝|退货|退貨|"
    r"换货|換貨|退换|退換|投诉|投訴|一下|可以|吗|嗎|呢|的|了|要|想")
_STOP_WORDS = {
    "i", "i'd", "id", "we", "my", "our", "the", "a", "an", "to", "for", "please", "pls", "want",
    "would", "like", "need", "book", "booking", "request", "repair", "fix", "service", "return",
    "exchange", "refund", "complaint", "complain", "install", "installation", "can", "you",
    "send", "someone", "technician", "me", "help", "with", "it", "is", "of", "on", "have",
}


def describes_in_detail(text: str) -> bool:
    """Whether a first message says more than "I need a repair", so it can stand as the
    description (or reason) and is not asked for again."""
    rest = _REQUEST_WORDS.sub("", text)
    for name in PRODUCT_WORDS:
        rest = rest.replace(name, "")
    words = [w for w in _WORD.findall(rest.lower()) if w not in _STOP_WORDS
             and w not in PRODUCT_WORDS]
    return len(_HAN.findall(rest)) >= 2 or len(words) >= 2


@dataclass(frozen=True)
class Slot:
    name: str
    accept: Accept
    # Values offered as buttons (the customer may still type).
    choices: tuple[str, ...] = ()
    # An optional slot offers a "none / skip" button and may stay empty.
    optional: bool = False
    # The entity of the first message that fills this slot.
    entity: str | None = None
    # The catalogue key that explains a rejected answer (None or no function: `invalid.<name>`).
    explain: Callable[[str, datetime], str | None] | None = None
    # Where this detail stands in a message about something else (the address in the first
    # message about the fault); what it finds is checked with `accept`. None: never taken in
    # passing.
    find: Callable[[str], str | None] | None = None
    # The accept in a conversation's language, where the language changes what an answer means
    # (in Taiwan's Chinese "114/5/20" is 2025-05-20). None: `accept` in every language.
    in_language: Callable[[str | None], Accept] | None = None

    def accept_for(self, lang: str | None) -> Accept:
        """How an answer is checked in a conversation in `lang`."""
        return self.in_language(lang) if self.in_language else self.accept


@dataclass(frozen=True)
class FormSpec:
    name: str
    ticket_type: str | None  # None: not a ticket (a product's registration)
    slots: tuple[Slot, ...]
    # The slot a detailed first message fills (the fault, the complaint).
    narrative: str | None = None
    priority: str | None = None
    # Photos sent while the form is open are attached to the ticket.
    accepts_photos: bool = False
    # Details kept beside the slots when the customer happens to say them, never asked for
    # (a return's product beside its order number).
    extras: tuple[str, ...] = ()

    def slot(self, name: str) -> Slot:
        return next(s for s in self.slots if s.name == name)


PRODUCT = Slot("product", accept_product, PRODUCTS, entity="product", explain=explain_free_text,
               find=find_product)
ADDRESS = Slot("address", accept_address, explain=explain_address, find=find_address)
PHONE = Slot("phone", accept_phone, entity="phone", find=find_phone)
# The visit time is read from the whole message (parse_when finds its words).
WHEN = Slot("when", accept_visit_time, entity="time", explain=explain_when, find=lambda text: text)

REPAIR = FormSpec(
    name="repair", ticket_type="repair", narrative="description", accepts_photos=True,
    slots=(PRODUCT, Slot("description", _free_text(2, 1000), explain=explain_free_text),
           Slot("error_code", accept_error_code, optional=True, entity="error_code"),
           ADDRESS, PHONE, WHEN),
)
INSTALLATION = FormSpec(
    name="installation", ticket_type="installation",
    slots=(PRODUCT,
           Slot("delivered", lambda text, parse, now: _yes_no(text, parse), ("yes", "no"),
                find=says_delivered),
           ADDRESS, PHONE, WHEN),
)
RETURN_EXCHANGE = FormSpec(
    name="return_exchange", ticket_type="return_exchange", narrative="reason",
    accepts_photos=True, extras=("product",),
    slots=(Slot("item", accept_item, PRODUCTS, entity="product"),
           Slot("reason", _free_text(2, 1000), explain=explain_free_text),
           Slot("resolution", lambda text, parse, now: return_or_exchange(text),
                ("return", "exchange"), find=lambda text: return_or_exchange(text)),
           PHONE),
)
COMPLAINT = FormSpec(
    name="complaint", ticket_type="complaint", narrative="description", priority="high",
    extras=("product",),
    slots=(Slot("description", _free_text(4, 2000), explain=explain_free_text),
           Slot("related_ticket", accept_ticket, optional=True, entity="ticket_number"),
           # Optional: a customer who has told what went wrong may leave the remedy to us.
           Slot("wanted", _free_text(2, 1000), optional=True, explain=explain_free_text),
           PHONE),
)

# Not a ticket: a product the customer owns, for their archive and its warranty
# (backend/products; submitted by bot/dialogue/registration.py).
REGISTER_PRODUCT = FormSpec(
    name="register_product", ticket_type=None,
    slots=(Slot("product", accept_category, PRODUCTS, entity="product", explain=explain_category,
                find=find_product),
           Slot("brand", or_not_known(accept_brand), optional=True, entity="brand",
                find=find_brand),
           Slot("model", or_not_known(accept_model), optional=True, entity="model",
                find=find_model),
           Slot("serial", or_not_known(accept_serial), optional=True, find=find_serial),
           Slot("purchase_date", or_not_known(accept_purchase_date), optional=True,
                find=find_purchase_date,
                in_language=lambda lang: or_not_known(purchase_date_in(lang))),
           Slot("purchased_from", or_not_known(accept_shop), optional=True, find=find_shop)),
)

FORMS = {form.name: form for form in (REPAIR, INSTALLATION, RETURN_EXCHANGE, COMPLAINT,
                                      REGISTER_PRODUCT)}
INTENT_FORMS = {"repair_request": "repair", "installation_request": "installation",
                "return_exchange": "return_exchange", "complaint": "complaint",
                "register_product": "register_product"}

_YES = re.compile(r"^(是|是的|对|對|有|已|已经|已經|送到|到了|yes|yep|yeah|y|delivered)", re.I)
_NO = re.compile(r"^(否|不|没|沒|未|还没|還沒|no|nope|n|not)", re.I)


def _yes_no(text: str, parse: Parse | None) -> str | None:
    if text in ("yes", "no"):
        return text
    if parse and parse.confidence >= 0.6 and parse.intent in ("affirm", "deny"):
        return "yes" if parse.intent == "affirm" else "no"
    stripped = text.strip()
    if _NO.match(stripped):
        return "no"
    if _YES.match(stripped):
        return "yes"
    return None


_RETURN = re.compile(r"退(?!换|換)|refund|return|money back", re.I)
_EXCHANGE = re.compile(r"换|換|exchange|replace|swap|"
                       r"\b(?:want|wanna|need|to|can|pls|please)\s+(?:a\s+)?change\b(?!\s+(?:the\s+)?(?:time|date|day))",
                       re.I)


# "不换了", "唔要換", "no exchange": the other one.
_NOT_EXCHANGE = re.compile(r"(?:不|唔|不要|唔要|不想|唔想|别|別)(?:换|換)|no\s+exchange|"
                           r"(?:don'?t|do\s+not)\s+want\s+(?:an?\s+)?(?:exchange|replacement)", re.I)
_NOT_RETURN = re.compile(r"(?:不|唔|不要|唔要|不想|唔想|别|別)(?:退)|no\s+refund|"
                         r"(?:don'?t|do\s+not)\s+want\s+(?:a\s+)?(?:refund|return)", re.I)


def return_or_exchange(text: str) -> str | None:
    if text in ("return", "exchange"):
        return text
    exchange = _EXCHANGE.search(_NOT_EXCHANGE.sub(" ", text))
    refund = _RETURN.search(_NOT_RETURN.sub(" ", text))
    if exchange and refund:  # both named: the one said first is the one wanted
        return "exchange" if exchange.start() < refund.start() else "return"
    if exchange or refund:
        return "exchange" if exchange else "return"
    return None
