"""The conversation file: a YAML list of conversations, each what a customer says and answers
and what should come of it. Read and checked here; a mistake in the file is an `EvalError`
naming the conversation and the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.language import LANGUAGES

OUTCOMES = ("ticket", "no_ticket", "answered", "status_shown", "expedited", "cancelled",
            "appointment_change", "handoff", "personal_data_shown", "personal_data_deleted",
            "smalltalk", "product_registered", "warranty_shown", "no_product")
TOPICS = ("warranty", "fee", "outlet", "hours", "parts", "usage", "error_code")
TICKET_TYPES = ("repair", "installation", "return_exchange", "complaint", "inquiry")
STATUSES = ("new", "assigned", "scheduled", "in_progress", "resolved", "closed", "cancelled")
ANSWER_KEYS = ("product", "description", "error_code", "address", "phone", "when", "delivered",
               "item", "reason", "resolution", "related_ticket", "wanted", "cancel_reason",
               "brand", "model", "serial", "purchase_date", "purchased_from")
# What a registered product's expectation may name (backend/products).
PRODUCT_KEYS = ("category", "brand", "model", "serial", "purchase_date", "purchased_from",
                "installed_on", "install_address", "region")
NEVER = ("show_personal_data", "delete_personal_data", "cancel_ticket", "create_ticket")
SAYS = ("no_photo_received", "asks_which_meaning",
        *(f"asks_again_{slot}" for slot in ANSWER_KEYS if slot != "cancel_reason"))


class EvalError(Exception):
    """A problem the user must fix (a bad file, a part that cannot be reached)."""


@dataclass(frozen=True)
class Message:
    """One message of the customer: text, a photo, or both."""

    text: str | None = None
    photo: bool = False


@dataclass(frozen=True)
class Expect:
    outcome: str
    topic: str | None = None
    # ticket: {type, product, fields: {...}, related_ticket: bool}
    ticket: dict = field(default_factory=dict)
    # product_registered: the fields the new product holds; warranty_shown: {category}
    product: dict = field(default_factory=dict)
    when: str | None = None  # appointment_change: the time asked for
    code: str | None = None  # answered / error_code: the code (default: the one said)
    never: tuple[str, ...] = ()
    says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversation:
    id: str
    lang: str
    say: tuple[Message, ...]
    expect: Expect
    note: str = ""
    # The customer's ticket before the chat: {type, product, status, ...}, or None.
    setup: dict | None = None
    # The products they registered before the chat: ({category, brand, ...}, ...).
    products: tuple[dict, ...] = ()
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # "submit" | "cancel" | ("change", slot, new value)
    at_summary: str | tuple[str, str, str] = "submit"


def _fail(where: str, problem: str) -> EvalError:
    return EvalError(f"{where}: {problem}")


def _texts(value: object, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, str | int | float) and not isinstance(i, bool)
                            for i in items):
        raise _fail(where, "expected a text or a list of texts")
    return tuple(str(i) for i in items)


def _message(item: object, where: str) -> Message:
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        return Message(text=str(item))
    if isinstance(item, dict) and set(item) <= {"text", "photo"} and item:
        text = item.get("text")
        if text is not None and not isinstance(text, str | int | float):
            raise _fail(where, "text must be a text")
        message = Message(text=None if text is None else str(text),
                          photo=bool(item.get("photo", False)))
        if message.text is None and not message.photo:
            raise _fail(where, "a message needs text or photo: true")
        return message
    raise _fail(where, 'expected a text, {text: "...", photo: true} or {photo: true}')


def _expect(raw: object, where: str) -> Expect:
    if not isinstance(raw, dict):
        raise _fail(where, "expect must be a mapping with outcome")
    unknown = set(raw) - {"outcome", "topic", "ticket", "product", "when", "code", "never",
                          "says"}
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    outcome = raw.get("outcome")
    if outcome not in OUTCOMES:
        raise _fail(f"{where}.outcome", f"{outcome!r} is not one of {', '.join(OUTCOMES)}")
    topic = raw.get("topic")
    if topic is not None and topic not in TOPICS:
        raise _fail(f"{where}.topic", f"{topic!r} is not one of {', '.join(TOPICS)}")
    ticket = raw.get("ticket") or {}
    if not isinstance(ticket, dict):
        raise _fail(f"{where}.ticket", "expected a mapping")
    if outcome == "ticket" and ticket.get("type") not in TICKET_TYPES:
        raise _fail(f"{where}.ticket.type", f"one of {', '.join(TICKET_TYPES)} is needed")
    if not isinstance(ticket.get("fields") or {}, dict):
        raise _fail(f"{where}.ticket.fields", "expected a mapping")
    product = raw.get("product") or {}
    if not isinstance(product, dict) or set(product) - set(PRODUCT_KEYS):
        raise _fail(f"{where}.product", f"expected a mapping of {', '.join(PRODUCT_KEYS)}")
    if outcome in ("product_registered", "warranty_shown") and not product.get("category"):
        raise _fail(f"{where}.product.category", f"{outcome} needs the product's category")
    never = tuple(raw.get("never") or ())
    says = tuple(raw.get("says") or ())
    for name, values, allowed in (("never", never, NEVER), ("says", says, SAYS)):
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise _fail(f"{where}.{name}", f"{wrong} not among {', '.join(allowed)}")
    return Expect(outcome=outcome, topic=topic, ticket=ticket, product=product,
                  when=None if raw.get("when") is None else str(raw["when"]),
                  code=None if raw.get("code") is None else str(raw["code"]),
                  never=never, says=says)


def _products(raw: object, where: str) -> tuple[dict, ...]:
    if not isinstance(raw, list) or not all(
            isinstance(p, dict) and p.get("category") and not set(p) - set(PRODUCT_KEYS)
            for p in raw):
        raise _fail(where, f"expected a list of mappings of {', '.join(PRODUCT_KEYS)} "
                           "(category needed)")
    return tuple({key: str(value) for key, value in p.items()} for p in raw)


def _at_summary(raw: object, where: str) -> str | tuple[str, str, str]:
    if raw in (None, "submit", "cancel"):
        return raw or "submit"
    if isinstance(raw, dict) and set(raw) == {"change", "to"} and raw["change"] in ANSWER_KEYS:
        return ("change", raw["change"], str(raw["to"]))
    raise _fail(where, 'expected submit, cancel or {change: <slot>, to: "new value"}')


def parse_conversation(raw: object, index: int) -> Conversation:
    where = f"conversation #{index + 1}"
    if not isinstance(raw, dict):
        raise _fail(where, "expected a mapping")
    if raw.get("id"):
        where = f"conversation {raw['id']}"
    unknown = set(raw) - {"id", "lang", "note", "setup", "say", "answers", "at_summary",
                          "expect"}
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    if not raw.get("id"):
        raise _fail(where, "id is missing")
    if raw.get("lang") not in LANGUAGES:
        raise _fail(f"{where}.lang", f"{raw.get('lang')!r} is not one of {', '.join(LANGUAGES)}")
    say = raw.get("say")
    if not isinstance(say, list) or not say:
        raise _fail(f"{where}.say", "expected a non-empty list of messages")
    setup = raw.get("setup")
    ticket: dict | None = None
    products: tuple[dict, ...] = ()
    if setup is not None:
        if not isinstance(setup, dict) or not setup or set(setup) - {"ticket", "products"}:
            raise _fail(f"{where}.setup", "expected {ticket: {type, product, status}} and/or "
                                          "{products: [{category, ...}]}")
        products = _products(setup.get("products") or [], f"{where}.setup.products")
    if setup is not None and setup.get("ticket") is not None:
        if not isinstance(setup.get("ticket"), dict):
            raise _fail(f"{where}.setup", "expected {ticket: {type, product, status}}")
        ticket = dict(setup["ticket"])
        ticket.setdefault("type", "repair")
        ticket.setdefault("status", "new")
        if ticket["type"] not in TICKET_TYPES:
            raise _fail(f"{where}.setup.ticket.type", f"{ticket['type']!r} is not a type")
        if ticket["status"] not in STATUSES:
            raise _fail(f"{where}.setup.ticket.status", f"{ticket['status']!r} is not a status")
    answers_raw = raw.get("answers") or {}
    if not isinstance(answers_raw, dict):
        raise _fail(f"{where}.answers", "expected a mapping of slot: answers")
    wrong = [key for key in answers_raw if key not in ANSWER_KEYS]
    if wrong:
        raise _fail(f"{where}.answers", f"{wrong} not among {', '.join(ANSWER_KEYS)}")
    answers = {key: _texts(value, f"{where}.answers.{key}")
               for key, value in answers_raw.items()}
    return Conversation(
        id=str(raw["id"]), lang=raw["lang"], note=str(raw.get("note") or ""), setup=ticket,
        products=products,
        say=tuple(_message(item, f"{where}.say[{i}]") for i, item in enumerate(say)),
        answers=answers, at_summary=_at_summary(raw.get("at_summary"), f"{where}.at_summary"),
        expect=_expect(raw.get("expect"), f"{where}.expect"))


def load(path: str | Path) -> list[Conversation]:
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise EvalError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, list) or not raw:
        raise EvalError(f"{path}: expected a non-empty list of conversations")
    conversations = [parse_conversation(item, i) for i, item in enumerate(raw)]
    seen: set[str] = set()
    for conversation in conversations:
        if conversation.id in seen:
            raise EvalError(f"{path}: the id {conversation.id} is used twice")
        seen.add(conversation.id)
    return conversations
