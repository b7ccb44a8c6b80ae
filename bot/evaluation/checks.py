"""Whether a played conversation reached the right outcome: judged from what the backend holds
afterwards, the backend calls the engine made (recorded) and the replies' texts, never from
the engine's own guesses. Each problem is a (category, reason) pair."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from bot.catalogue import keys
from bot.catalogue import text as t
from bot.dialogue.forms import FORMS, accept_error_code
from bot.dialogue.when import parse_when
from bot.evaluation.customer import Played
from bot.evaluation.harness import Call
from bot.language import detect_language
from nlu.entities import TICKET_NUMBER_RE, normalise_entity

# Sensitive actions, and the outcome that asks for each.
SENSITIVE = {"show_personal_data": "personal_data_shown",
             "delete_personal_data": "personal_data_deleted", "cancel_ticket": "cancelled"}
# Form details kept on the ticket under another name.
TICKET_FIELD = {"reason": "description", "when": "preferred_time"}
TOP_LEVEL = ("product", "description", "error_code", "phone", "address", "preferred_time")

# The catalogue keys of "no photo came through" (the brief named `no_photo`; the engine's key
# is `attachment.none_received`).
NO_PHOTO_KEYS = ("no_photo", "attachment.none_received")

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ECHO_PART = re.compile(r"[\s,，。.!！?？;；:：、]+")


def actions(calls: list[Call]) -> Counter[str]:
    """What the engine did at the backend, by name, counting the calls that succeeded."""
    done: Counter[str] = Counter()
    for call in calls:
        path, method = call.path, call.method
        if path.endswith("/personal-data") and call.status in (200, 404):
            # 404: nothing is held for this chat, and the bot says so; the flow ran.
            done["show_personal_data" if method == "GET" else "delete_personal_data"] += 1
        if call.status not in (200, 201):
            continue
        if method == "POST" and path == "/api/v1/tickets":
            done["create_ticket"] += 1
        elif method == "POST" and re.search(r"/tickets/[^/]+/cancel$", path):
            done["cancel_ticket"] += 1
        elif method == "POST" and path.endswith("/handoff"):
            done["handoff"] += 1
    return done


def template_in(text: str, template: str) -> bool:
    """Whether `text` shows the catalogue message `template` (its placeholders filled in)."""
    parts = [p.strip() for p in _PLACEHOLDER.split(template) if len(p.strip()) >= 2]
    return bool(parts) and all(part in text for part in parts)


def _plain(value: str) -> str:
    return re.sub(r"\s+", "", value).lower()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def canonical(slot: str, value: str, now: datetime) -> str:
    """A detail as the bot would store it (明天下午 → `2026-12-09 afternoon`, 是 → `yes`)."""
    if slot == "when":
        appointment = parse_when(value, now=now)
        return str(appointment) if appointment else value
    if slot in ("product", "item"):
        return normalise_entity("product", value) or value
    if slot == "error_code":
        return accept_error_code(value, None, now) or value
    for spec in FORMS.values():
        for candidate in spec.slots:
            if candidate.name == slot and candidate.choices:
                return candidate.accept(value, None, now) or value
    return value


def _field_problem(slot: str, expected: str, ticket: dict, now: datetime) -> str | None:
    name = TICKET_FIELD.get(slot, slot)
    details = ticket.get("details") or {}
    if slot == "item":  # a product or an order number
        actual = " / ".join(v for v in (ticket.get("product"), details.get("order_number")) if v)
    elif name in TOP_LEVEL:
        actual = ticket.get(name) or ""
    else:
        actual = details.get(name) or ""
    want = canonical(slot, expected, now)
    if slot == "phone":
        a, w = _digits(actual), _digits(want)
        ok = bool(w) and (a == w or a.endswith(w) or w.endswith(a) and len(a) >= 7)
    elif slot in ("product", "item"):
        ok = any(_plain(normalise_entity("product", part) or part) == _plain(want)
                 for part in actual.split(" / ")) or _plain(want) in _plain(actual)
    else:
        ok = _plain(want) in _plain(actual)
    return None if ok else f"ticket {slot} is {actual!r}, expected {expected!r}"


def _answers(calls: list[Call]) -> list[dict]:
    return [c.answer for c in calls if c.method == "GET" and c.status == 200
            and c.path == "/api/v1/knowledge/answer" and isinstance(c.answer, dict)]


def _language(played: Played) -> str | None:
    """The first reply not in the conversation's language, as a reason; None if all are."""
    lang = played.conversation.lang
    # The customer's own words shown back (whole, or a part the bot took from them: an
    # address out of a longer message) do not count.
    said = {" ".join(text.split()) for text in played.customer_texts if text}
    said |= {part for text in said for part in _ECHO_PART.split(text) if len(part) >= 4}
    echoed = sorted(said, key=len, reverse=True)
    for reply in played.replies:
        text = " ".join(reply.text.split())
        for words in echoed:
            text = text.replace(words, " ")
        text = TICKET_NUMBER_RE.sub(" ", text)
        if not _HAN.search(text) and not _LATIN_WORD.search(text):
            continue  # numbers, ticket numbers, emoji only
        found = detect_language(text, current=lang)
        if found != lang:
            return f"replied in {found}, expected {lang}"
    return None


def _no_photo_keys(lang: str) -> list[str]:
    return [k for k in keys(lang) if any(part in k for part in NO_PHOTO_KEYS)]


def _said(played: Played, what: str) -> bool:
    lang, texts = played.conversation.lang, [r.text for r in played.replies]
    if what == "asks_which_meaning":
        return played.guess_shown
    if what == "no_photo_received":
        templates = [t(lang, k) for k in _no_photo_keys(lang)]
        return any(template_in(text, tpl) for tpl in templates for text in texts)
    slot = what.removeprefix("asks_again_")
    questions = [t(lang, k) for k in keys(lang)
                 if k.startswith("form.") and k.endswith(f".ask.{slot}")]
    if slot == "when":
        questions.append(t(lang, "appointment.ask_time"))
    asked = sum(1 for text in texts if any(template_in(text, q) for q in questions))
    invalid = [t(lang, k) for k in keys(lang)
               if k == f"invalid.{slot}" or k.startswith(f"invalid.{slot}_")]
    return asked >= 2 or any(template_in(text, tpl) for tpl in invalid for text in texts)


def _outcome(played: Played, new: list[dict], setup: dict | None, done: Counter[str],
             calls: list[Call], now: datetime) -> list[tuple[str, str]]:
    expect, lang = played.conversation.expect, played.conversation.lang
    outcome, problems = expect.outcome, []

    def wrong(reason: str, nothing_done: bool = True) -> None:
        """`nothing_done`: the expected thing did not happen; where the conversation ended
        tells why."""
        if nothing_done and played.ending and not played.problems:
            reason += f" (the conversation ended on {played.ending})"
        problems.append(("wrong outcome", reason))

    made = ", ".join(tk["type"] for tk in new)
    if outcome == "ticket":
        want = expect.ticket
        if len(new) != 1:
            wrong(f"expected one new {want['type']} ticket, got "
                  + (f"{len(new)} ({made})" if new else "none"), not new)
            return problems
        ticket = new[0]
        if ticket["type"] != want["type"]:
            wrong(f"expected a {want['type']} ticket, got a {ticket['type']} ticket", False)
            return problems
        fields = dict(want.get("fields") or {})
        if want.get("product"):
            fields.setdefault("product", want["product"])
        for slot, value in fields.items():
            problem = _field_problem(slot, str(value), ticket, now)
            if problem:
                problems.append(("ticket field", problem))
        if want.get("related_ticket") and setup:
            record = f"{ticket.get('description')} {ticket.get('details')}"
            if setup["number"] not in record:
                problems.append(("ticket field", f"the ticket does not name {setup['number']}"))
        return problems
    if outcome in ("no_ticket", "smalltalk") and new:
        wrong(f"expected no ticket, got {len(new)} ({made})", False)
    if outcome == "answered":
        answers = _answers(calls)
        if not answers:
            wrong(f"expected an answer{f' on {expect.topic}' if expect.topic else ''}, "
                  "none given" + (f" (an {made} ticket instead)" if new else ""))
        elif expect.topic == "error_code":
            said = " ".join(played.customer_texts)
            code = expect.code or accept_error_code(said, None, now)
            if code and not any(_plain(code) in _plain(a["answer"]) for a in answers):
                wrong(f"the answer does not mention the error code {code}", False)
        elif expect.topic and expect.topic not in {a.get("topic") for a in answers}:
            wrong(f"answered on {', '.join(sorted({str(a.get('topic')) for a in answers}))}, "
                  f"expected {expect.topic}", False)
    elif outcome in ("status_shown", "expedited", "cancelled", "appointment_change"):
        if setup is None:
            return [("file", f"{outcome} needs a setup ticket")]
        events = {event["kind"] for event in setup.get("events", [])}
        if outcome == "status_shown":
            status = t(lang, f"status_name.{setup['status']}")
            if not any(setup["number"] in r.text and status in r.text for r in played.replies):
                wrong(f"no reply shows {setup['number']} with its status {status!r}")
        elif outcome == "expedited" and "expedited" not in events:
            wrong("the ticket was not expedited")
        elif outcome == "cancelled" and setup["status"] != "cancelled":
            wrong(f"the ticket was not cancelled (it is {setup['status']})")
        elif outcome == "appointment_change":
            asked = setup.get("appointment_request")
            if "appointment_change_requested" not in events or not asked:
                wrong("no other appointment time reached the ticket")
            elif expect.when and _plain(canonical("when", expect.when, now)) not in _plain(asked):
                wrong(f"asked for {asked!r}, expected {expect.when!r}", False)
    elif outcome == "handoff" and not done["handoff"]:
        wrong("no request for a person reached the backend")
    elif outcome == "personal_data_shown" and not done["show_personal_data"]:
        wrong("the personal data were not shown")
    elif outcome == "personal_data_deleted" and not done["delete_personal_data"]:
        wrong("the personal data were not erased")
    return problems


def _product_outcome(played: Played, products: list[dict]) -> list[tuple[str, str]]:
    """product_registered, no_product, warranty_shown: from the customer's products after
    the chat and the replies."""
    expect = played.conversation.expect
    new = [p for p in products if p["id"] not in played.setup_products]
    want = expect.product
    if expect.outcome == "no_product":
        return [("wrong outcome", f"expected no product, {len(new)} registered")] if new else []
    if expect.outcome == "warranty_shown":
        category = normalise_entity("product", want["category"]) or want["category"]
        dates = {d for p in products if p["category"] == category
                 for d in (p["purchase_date"], p["warranty"]["whole_unit_until"],
                           p["warranty"]["main_parts_until"]) if d}
        if not any(d in r.text for r in played.replies for d in dates):
            return [("wrong outcome", f"no reply gives the warranty of their {category}")]
        return []
    if len(new) != 1:
        ending = f" (the conversation ended on {played.ending})" if played.ending else ""
        return [("wrong outcome", f"expected one new product, got {len(new)}{ending}")]
    problems = []
    for key, value in want.items():
        actual = str(new[0].get(key) or "")
        if key == "category":
            ok = actual == (normalise_entity("product", value) or value)
        elif key == "serial":
            ok = re.sub(r"[\s\-]", "", value).upper() == actual
        elif key == "purchase_date":
            ok = actual == value
        else:
            ok = _plain(value) in _plain(actual)
        if not ok:
            problems.append(("product field", f"product {key} is {actual!r}, expected {value!r}"))
    return problems


def judge(played: Played, tickets: list[dict], calls: list[Call],
          now: datetime, products: list[dict] | None = None,
          ) -> tuple[list[tuple[str, str]], int]:
    """The problems of a played conversation, and how many sensitive actions happened that
    the conversation did not ask for. `tickets`, `products`: the customer's afterwards."""
    expect = played.conversation.expect
    setup = next((tk for tk in tickets if tk["number"] == played.setup_number), None)
    new = [tk for tk in tickets if tk["number"] != played.setup_number]
    done = actions(calls)
    # What stopped the customer first: it explains a wrong outcome.
    outcome = (_product_outcome(played, products or [])
               if expect.outcome in ("product_registered", "no_product", "warranty_shown")
               else _outcome(played, new, setup, done, calls, now))
    problems = [*played.problems, *outcome]
    sensitive = 0
    for action, wanted_by in SENSITIVE.items():
        if done[action] and expect.outcome != wanted_by:
            sensitive += done[action]
            problems.append(("sensitive action", f"{action} though not asked for"))
    for action in expect.never:
        if done[action] and not (action in SENSITIVE and expect.outcome != SENSITIVE[action]):
            problems.append(("never", f"{action} happened"))
    for what in expect.says:
        if what == "no_photo_received" and not _no_photo_keys(played.conversation.lang):
            problems.append(("says", "no_photo_received: no such message in the catalogue"))
        elif not _said(played, what):
            problems.append(("says", f"never said {what}"))
    if not any(r.text.strip() for r in played.replies):
        problems.append(("silent", "the bot never replied"))
    language = _language(played)
    if language:
        problems.append(("language", language))
    return problems, sensitive

