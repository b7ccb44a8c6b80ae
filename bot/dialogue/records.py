"""The service record in the customer's chat (维修记录, 一票到底): the pushed record as readable
text, and the customer's signature or "not fixed".

`render` shows the technician with their staff number, the fault, the work and the parts (each
with its amount in the record's currency, or free with why; a part with its own warranty's
end), the charge and what was paid, and the warranties, under Confirm / Not fixed. The buttons
carry the ticket number and the version shown (`rec:ok:<number>:<version>`), so a press on a
version a correction replaced is refused by the backend, and the bot shows the current one.

"Confirm" is the customer's signature (the backend keeps the time, channel and chat). "Not
fixed" sends the job back at once, then asks what is still wrong; what the customer types next
is added to the ticket for staff (encrypted there). While the bot waits for those words, the
conversation carries a `Form` named `NOT_FIXED` (slots: the ticket and version), so a restart
keeps the question open; any other button, a command or a photo drops it.
"""

from __future__ import annotations

import logging

from backend.kernel.pushes import RecordLine, ServiceRecordSent, read
from bot.backend_client import BackendUnavailable, NotAllowed
from bot.catalogue import text as t
from bot.dialogue import tickets
from bot.dialogue.buttons import RECORD, Pressed
from bot.dialogue.buttons import parse as parse_button
from bot.dialogue.quotes import money
from bot.dialogue.replies import backend_down, stale
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation, Form
from bot.dialogue.types import Button, Document, InboundMessage, Reply

log = logging.getLogger(__name__)

# The form's name while the bot waits for what is still wrong.
NOT_FIXED = "record_not_fixed"
MAX_NOTE = 1000


def _line(lang: str, line: RecordLine, currency: str, part: bool) -> str:
    name = line.names.get(lang) or line.names.get("zh-Hans") or line.code
    times = t(lang, "record.times", quantity=line.quantity) if part else ""
    if line.in_warranty:
        why = t(lang, f"record.why.{line.warranty_reason or 'warranty'}")
        text = t(lang, "record.line_free", name=name, times=times, why=why)
    elif line.amount:
        text = t(lang, "record.line", name=name, times=times,
                 amount=money(lang, line.amount, currency))
    else:
        text = t(lang, "record.line_no_charge", name=name, times=times)
    if part and line.warranty_until:
        text += t(lang, "record.part_until", until=line.warranty_until.isoformat())
    return text


def _button(lang: str, key: str, action: str, number: str, version: int) -> Button:
    return Button(t(lang, f"record.{key}"), f"{RECORD}{action}:{number}:{version}")


def render(lang: str, push: ServiceRecordSent, *, files: bool = False) -> Reply:
    """The pushed record as the chat shows it; `files`: the channel can send the PDF, offered
    under the record."""
    number, currency, who = push.ticket_number, push.currency, push.technician
    lines = [t(lang, "record.title_corrected" if push.corrected else "record.title",
               number=number, version=push.version),
             t(lang, "record.technician_numbered" if who.staff_number else "record.technician",
               name=who.name, staff_number=who.staff_number),
             t(lang, "record.fault", fault=push.fault.get(lang) or push.fault.get("zh-Hans"))]
    if push.work_items:
        lines += [t(lang, "record.work"),
                  *(_line(lang, w, currency, part=False) for w in push.work_items)]
    if push.parts:
        lines += [t(lang, "record.parts"),
                  *(_line(lang, p, currency, part=True) for p in push.parts)]
    if not push.total:
        lines.append(t(lang, "record.total_free"))
    else:
        total = money(lang, push.total, currency)
        lines.append(t(lang, "record.total_paid", amount=total,
                       paid=money(lang, push.paid, currency)) if push.paid
                     else t(lang, "record.total", amount=total))
    if until := push.product_warranty_until:
        ended = push.occurred_at is not None and until < push.occurred_at.date()
        lines.append(t(lang, "record.product_ended" if ended else "record.product_until",
                       until=until.isoformat()))
    if push.parts_warranty_until:
        lines.append(t(lang, "record.parts_until", until=push.parts_warranty_until.isoformat()))
    lines.append(t(lang, "record.sign"))
    buttons = [[_button(lang, "confirm", "ok", number, push.version),
                _button(lang, "not_fixed", "no", number, push.version)]]
    if files:
        buttons.append([_button(lang, "pdf", "pdf", number, push.version)])
    return Reply("\n".join(lines), buttons=buttons)


# ---- the customer's answer ---------------------------------------------------------------------

def waiting_for_words(conv: Conversation) -> bool:
    return conv.form is not None and conv.form.name == NOT_FIXED


async def on_button(svc: Services, conv: Conversation, pressed: Pressed) -> list[Reply]:
    """Confirm (the signature), not fixed (asks what is still wrong), or skip saying it."""
    lang = conv.lang
    action, number, raw_version = pressed.args
    if waiting_for_words(conv):
        conv.form = None
    if not raw_version.isdigit() or not number:
        return [stale(lang)]
    version = int(raw_version)
    match action:
        case "ok":
            answer, refusal = await _answer(svc, conv, number, version, "confirm", {})
            if answer is None:
                return refusal
            return [Reply(t(lang, "record.confirmed", number=number, version=version))]
        case "no":
            answer, refusal = await _answer(svc, conv, number, version, "not-fixed", {})
            if answer is None:
                return refusal
            if conv.form is None:  # an open form (a repair being reported) is not dropped
                conv.form = Form(name=NOT_FIXED, asking="note",
                                 slots={"ticket": number, "version": str(version)})
            return [Reply(t(lang, "record.sent_back", number=number),
                          buttons=[[_button(lang, "skip", "skip", number, version)]])]
        case "skip":
            return [Reply(t(lang, "record.skipped"))]
        case "pdf":
            return await _send_pdf(svc, conv, number, version)
    return [stale(lang)]


async def _send_pdf(svc: Services, conv: Conversation, number: str,
                    version: int) -> list[Reply]:
    """The record's current version as a PDF, sent into the chat now (not through the outbox:
    asked again, it is fetched again), then Confirm / Not fixed again (the pressed message's
    buttons are gone); a channel that cannot send files never shows the button, so a press
    from one is stale."""
    lang, send = conv.lang, svc.file_senders.get(conv.channel)
    if send is None:
        return [stale(lang)]
    try:
        pdf = await svc.backend.record_pdf(conv.channel, conv.chat_id, number)
    except BackendUnavailable:
        return [backend_down(lang)]
    if pdf is None:
        return [stale(lang)]
    try:
        await send(conv.chat_id, Document(filename=f"{number}.pdf", data=pdf,
                                          caption=t(lang, "record.pdf_caption", number=number)))
    except Exception:  # the platform refused or is away: the customer may ask again
        log.warning("service record PDF of a ticket not sent on %s", conv.channel)
        return [Reply(t(lang, "record.pdf_failed"))]
    return [Reply(t(lang, "record.pdf_sent", number=number), buttons=[
        [_button(lang, "confirm", "ok", number, version),
         _button(lang, "not_fixed", "no", number, version)]])]


async def on_pending(svc: Services, conv: Conversation, message: InboundMessage,
                     text: str) -> list[Reply] | None:
    """A message while the bot waits for what is still wrong: those words, added to the
    ticket. None: something else (a button, a command, a photo); the question is dropped and
    the engine answers as usual."""
    assert conv.form is not None
    if message.button and parse_button(message.button).kind == RECORD.rstrip(":"):
        return None  # on_button answers (and drops the question)
    if message.button or message.attachments or not text or text.startswith("/"):
        conv.form = None
        return None
    number, version = conv.form.slots["ticket"], int(conv.form.slots["version"])
    conv.form = None
    answer, refusal = await _answer(svc, conv, number, version, "not-fixed",
                                    {"note": text[:MAX_NOTE]})
    if answer is None:
        return refusal
    return [Reply(t(conv.lang, "record.noted", number=number))]


async def _answer(svc: Services, conv: Conversation, number: str, version: int, action: str,
                  body: dict) -> tuple[dict | None, list[Reply]]:
    """Send the answer: the backend's reply, or (None, what to say instead): the version was
    replaced (the current one is shown again), confirmed already, or nothing awaits an answer
    (the ticket as it stands)."""
    lang = conv.lang
    try:
        answer = await svc.backend.ticket_action(conv.channel, conv.chat_id, number,
                                                 f"record/{action}", {"version": version, **body})
    except NotAllowed as refused:
        current = refused.fields.get("current_version")
        if not isinstance(current, int):
            return None, await tickets.status(svc, conv, number)
        if current == version:
            return None, [Reply(t(lang, "record.already", version=version))]
        return None, await _replaced(svc, conv, number, version, current)
    except BackendUnavailable:
        return None, [backend_down(lang)]
    if answer is None:
        return None, [Reply(t(lang, "status.not_found", number=number))]
    return answer, []


async def _replaced(svc: Services, conv: Conversation, number: str, version: int,
                    current: int) -> list[Reply]:
    lang = conv.lang
    said = Reply(t(lang, "record.superseded", version=version, current=current))
    try:
        shown = await svc.backend.get_record(conv.channel, conv.chat_id, number)
    except BackendUnavailable:
        return [said]
    push = read(shown["record"]) if shown and shown.get("awaiting_confirmation") else None
    return [said, render(lang, push)] if isinstance(push, ServiceRecordSent) else [said]
