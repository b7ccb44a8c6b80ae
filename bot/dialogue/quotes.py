"""A quote in the customer's chat (先报价，您同意后才维修): the pushed quote as readable text, and
the customer's answer to it.

`render` shows each line in the chat's language with its amount in the quote's currency (¥,
HK$, NT$), a line in warranty as free with why, the total and what declining costs, under
Accept / Decline / Ask a person; a quote that is all free is told, with no answer asked. The
buttons carry the ticket number and the version shown (`quote:ok:<number>:<version>`), so a
press on an older version is refused by the backend, and the bot says it was replaced.

Decline asks why, with a few reasons as buttons; what the customer types instead is the reason
in their own words. While the bot waits for it, the conversation carries a `Form` named
`DECLINING` (slots: the ticket and version), so a restart keeps the question open; any other
button, a command or a photo drops it. "Ask a person" queues the chat for staff, as the
menu's button does, naming the quote for them. Every answer comes from the backend's reply.
"""

from __future__ import annotations

from backend.kernel.money import shown, to_minor
from backend.kernel.pushes import QuotedLine, QuoteSent
from bot.backend_client import BackendUnavailable
from bot.catalogue import text as t
from bot.dialogue import handoff, tickets
from bot.dialogue.buttons import QUOTE, Pressed
from bot.dialogue.buttons import parse as parse_button
from bot.dialogue.replies import backend_down, stale
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation, Form
from bot.dialogue.types import Button, InboundMessage, Reply

# The form's name while the bot waits for the reason of a decline.
DECLINING = "quote_decline"
# Why a customer declines (labels `quote.reason.<code>`; the backend's DeclineReason).
REASONS = ("too_expensive", "buy_new", "other")
MAX_NOTE = 1000


def money(lang: str, minor: int, currency: str) -> str:
    return t(lang, f"quote.money.{currency}", amount=shown(minor, currency))


def _why(lang: str, line: QuotedLine) -> str:
    reason = line.warranty_reason or "product_warranty"
    if line.warranty_until is None:
        return t(lang, f"quote.why_plain.{reason}", ticket=line.earlier_ticket or "")
    return t(lang, f"quote.why.{reason}", until=line.warranty_until.isoformat(),
             ticket=line.earlier_ticket or "")


def _line(lang: str, line: QuotedLine, currency: str) -> str:
    name = line.names.get(lang) or line.names.get("zh-Hans") or line.code or ""
    times = t(lang, "quote.times", quantity=line.quantity) if line.quantity > 1 else ""
    if line.in_warranty:
        return t(lang, "quote.line_free", name=name, times=times, why=_why(lang, line))
    return t(lang, "quote.line", name=name, times=times,
             amount=money(lang, line.amount, currency))


def _button(lang: str, key: str, action: str, number: str, version: int) -> Button:
    return Button(t(lang, f"quote.{key}"), f"{QUOTE}{action}:{number}:{version}")


def render(lang: str, push: QuoteSent) -> Reply:
    """The pushed quote as the chat shows it."""
    number, currency = push.ticket_number, push.currency
    if not push.needs_acceptance:
        title = t(lang, "quote.title_free", number=number)
    elif push.replaces:
        title = t(lang, "quote.title_changed", number=number, version=push.version,
                  replaces=push.replaces)
    else:
        title = t(lang, "quote.title", number=number, version=push.version)
    lines = [title, *(_line(lang, line, currency) for line in push.lines)]
    ask = _button(lang, "ask", "ask", number, push.version)
    if not push.needs_acceptance:
        return Reply("\n".join([*lines, t(lang, "quote.free_note")]), buttons=[[ask]])
    lines.append(t(lang, "quote.total", amount=money(lang, push.total, currency)))
    lines.append(t(lang, "quote.if_declined", amount=money(lang, push.declined_charge, currency))
                 if push.declined_charge else t(lang, "quote.if_declined_free"))
    lines.append(t(lang, "quote.consent"))
    return Reply("\n".join(lines), buttons=[
        [_button(lang, "accept", "ok", number, push.version),
         _button(lang, "decline", "no", number, push.version)], [ask]])


# ---- the customer's answer ---------------------------------------------------------------------

def waiting_for_reason(conv: Conversation) -> bool:
    return conv.form is not None and conv.form.name == DECLINING


def _reasons(lang: str, number: str, version: int) -> Reply:
    buttons = [Button(t(lang, f"quote.reason.{code}"), f"{QUOTE}why:{number}:{version}:{code}")
               for code in REASONS]
    return Reply(t(lang, "quote.why_ask", number=number),
                 buttons=[buttons, [_button(lang, "keep", "keep", number, version)]])


async def on_button(svc: Services, conv: Conversation, pressed: Pressed) -> list[Reply]:
    """Accept, decline (asks why), a reason, keep the quote open, or a person."""
    lang = conv.lang
    action, number, raw_version, extra = pressed.args
    if waiting_for_reason(conv):
        conv.form = None
    if not raw_version.isdecimal() or len(raw_version) > 9 or not number:
        return [stale(lang)]
    version = int(raw_version)
    match action:
        case "ok":
            return await _answer(svc, conv, number, version, "accept", {})
        case "no":
            if conv.form is None:  # an open form (a repair being reported) is not dropped
                conv.form = Form(name=DECLINING, asking="reason",
                                 slots={"ticket": number, "version": str(version)})
            return [_reasons(lang, number, version)]
        case "why" if extra in REASONS:
            return await _answer(svc, conv, number, version, "decline", {"reason": extra})
        case "keep":
            return [Reply(t(lang, "quote.kept"))]
        case "ask":
            return await handoff.request_person(
                svc, conv, "human_agent", t(lang, "quote.ask_text", number=number,
                                            version=version))
    return [stale(lang)]


async def on_pending(svc: Services, conv: Conversation, message: InboundMessage,
                     text: str) -> list[Reply] | None:
    """A message while the bot waits for why the customer declines: their words are the
    reason. None: something else (a button, a command, a photo); the question is dropped
    (a quote button answers it) and the engine answers as usual."""
    assert conv.form is not None
    if message.button and parse_button(message.button).kind == QUOTE.rstrip(":"):
        return None  # on_button answers (and drops the question)
    if message.button or message.attachments or not text or text.startswith("/"):
        conv.form = None
        return None
    number, version = conv.form.slots["ticket"], int(conv.form.slots["version"])
    conv.form = None
    return await _answer(svc, conv, number, version, "decline",
                         {"reason": "other", "note": text[:MAX_NOTE]})


async def _answer(svc: Services, conv: Conversation, number: str, version: int, action: str,
                  body: dict) -> list[Reply]:
    """Send the answer; say what the backend replied."""
    lang = conv.lang
    try:
        result = await svc.backend.answer_quote(conv.channel, conv.chat_id, number, action,
                                                {"version": version, **body})
    except BackendUnavailable:
        return [backend_down(lang)]
    if result is None:
        return [Reply(t(lang, "status.not_found", number=number))]
    if result.get("refused"):
        return await _refused(svc, conv, number, version, result)
    currency = result["currency"]
    charge = money(lang, to_minor(result["charge"], currency), currency)
    if result["status"] == "accepted":
        return [Reply(t(lang, "quote.accepted", number=number, version=version, amount=charge))]
    paid = (t(lang, "quote.declined_charge", amount=charge)
            if to_minor(result["charge"], currency) else t(lang, "quote.declined_free"))
    return [Reply(t(lang, "quote.declined", number=number, charge=paid))]


async def _refused(svc: Services, conv: Conversation, number: str, version: int,
                   result: dict) -> list[Reply]:
    """The version pressed can no longer be answered: which way, in the customer's words."""
    lang, state, current = conv.lang, result.get("quote_status"), result.get("current_version")
    match state:
        case "superseded" if current:
            return [Reply(t(lang, "quote.superseded", version=version, current=current))]
        case "superseded" | "withdrawn":
            return [Reply(t(lang, "quote.withdrawn", version=version))]
        case "accepted" | "declined":
            return [Reply(t(lang, f"quote.already_{state}", version=version))]
        case None:  # the ticket is closed: show it as it is
            return await tickets.status(svc, conv, number)
    return [stale(lang)]

