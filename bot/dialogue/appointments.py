"""The customer's answer to an appointment staff made: confirm it, or ask for another time.

When staff schedule a visit, the "scheduled" push shows the date and window with two buttons.
"Confirm" tells the backend (`appointment/confirm`). "Another time" asks the customer when
would suit them; what they type is read like the forms' visit time (`bot/dialogue/when.py`:
明天下午, 週六上午, next Monday morning) and sent to the backend (`appointment/change`), where it
waits on the ticket for the dispatcher. While the bot waits for that time, the conversation
carries a `Form` named `PENDING` (its `ticket` slot: the ticket number), so a restart keeps the
question open; any other button, command or clearly different request drops it.

The dialogue engine calls in at three points: `status_reply` (rendering a status push),
`on_button` (buttons starting with `BUTTON`) and `on_pending` (each message while waiting).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.backend_client import BackendUnavailable
from bot.catalogue import text as t
from bot.dialogue.extract import is_non_answer
from bot.dialogue.forms import accept_when, explain_when
from bot.dialogue.state import Conversation, Form
from bot.dialogue.types import Button, InboundMessage, Reply
from bot.dialogue.when import Appointment
from nlu.client import FALLBACK_INTENT, Parse
from nlu.entities import canonical_ticket_number

if TYPE_CHECKING:
    from bot.dialogue.engine import DialogueEngine

BUTTON = "appt:"
CONFIRM = "appt:ok:"      # appt:ok:<number>
OTHER_TIME = "appt:other:"  # appt:other:<number> — ask for the new time
KEEP = "appt:keep"        # stop asking: the appointment stands
PENDING = "appointment_change"  # the form name while the bot waits for the new time
MAX_FAILURES = 3
# Said this clearly, another request wins over an attempt at a time.
INTERRUPT_CONFIDENCE = 0.8
# Tickets whose visit can be moved (one is booked, or about to be).
_WITH_A_VISIT = ("scheduled", "assigned", "new")
# Intents that are no other request (an answer such as "ok" or "no").
_NOT_A_REQUEST = {"affirm", "deny", FALLBACK_INTENT}


def _window(lang: str, window: str | None) -> str:
    return t(lang, f"window.{window}") if window else t(lang, "appointment.any_time")


def status_reply(lang: str, event: dict, lines: list[str]) -> Reply:
    """A status push's reply; for a visit just scheduled, with its date and window and the
    buttons to confirm it or ask for another time."""
    appointment = event.get("appointment")
    if event.get("status") != "scheduled" or not appointment:
        return Reply("\n".join(lines))
    number = event.get("ticket_number", "")
    lines = [*lines, t(lang, "appointment.when", date=appointment["date"],
                       window=_window(lang, appointment.get("window")))]
    return Reply("\n".join(lines), buttons=[[
        Button(t(lang, "appointment.confirm"), f"{CONFIRM}{number}"),
        Button(t(lang, "appointment.other_time"), f"{OTHER_TIME}{number}"),
    ]])


def waiting_for_time(conv: Conversation) -> bool:
    return conv.form is not None and conv.form.name == PENDING


def _ask(lang: str, key: str, **values: object) -> Reply:
    return Reply(t(lang, key, **values), buttons=[[Button(t(lang, "appointment.keep"), KEEP)]])


async def on_button(engine: DialogueEngine, conv: Conversation, data: str) -> list[Reply]:
    """Confirm, another time, or keep the appointment."""
    lang = conv.language
    if waiting_for_time(conv):
        conv.form = None
    if data == KEEP:
        return [Reply(t(lang, "appointment.kept"))]
    if data.startswith(OTHER_TIME):
        number = data.removeprefix(OTHER_TIME)
        conv.form = Form(name=PENDING, slots={"ticket": number}, asking="when")
        return [_ask(lang, "appointment.ask_time", number=number)]
    if data.startswith(CONFIRM):
        number = data.removeprefix(CONFIRM)
        result, refusal = await engine._act(conv, number, "appointment/confirm")
        if result is None:
            return refusal
        return [Reply(t(lang, "appointment.confirmed", number=number))]
    return [Reply(t(lang, "button.stale"))]


async def on_intent(engine: DialogueEngine, conv: Conversation, parse: Parse,
                    text: str) -> list[Reply]:
    """"师傅明天能不能改成下午来", "can the visit be moved to Monday": the visit of the ticket
    named, or of the one ticket with a visit (else a choice); the new time from the same
    words, else asked for."""
    lang = conv.language
    number = parse.entity("ticket_number") or canonical_ticket_number(text)
    if number is None:
        try:
            tickets = await engine.backend.list_tickets(conv.channel, conv.chat_id)
        except BackendUnavailable:
            return [Reply(t(lang, "error.backend_down"))]
        visits = [tk for tk in tickets if tk["status"] in _WITH_A_VISIT]
        if not visits:
            return [engine._menu(conv, "appointment.none")]
        if len(visits) > 1:
            return [Reply(t(lang, "appointment.which"), buttons=[
                [Button(f"{tk['number']} " + t(lang, "type." + tk["type"]),
                        f"{OTHER_TIME}{tk['number']}")] for tk in visits[:5]])]
        number = visits[0]["number"]
    now = engine.clock()
    value = accept_when(text, parse, now)
    if value is None:
        conv.form = Form(name=PENDING, slots={"ticket": number}, asking="when")
        return [_ask(lang, "appointment.ask_time", number=number)]
    return await _request_change(engine, conv, number, value)


async def _request_change(engine: DialogueEngine, conv: Conversation, number: str,
                          value: str) -> list[Reply]:
    """Send the wanted time to the backend, where it waits for the dispatcher."""
    lang = conv.language
    conv.form = None
    result, refusal = await engine._act(conv, number, "appointment/change",
                                        {"requested": value})
    if result is None:
        return refusal
    asked = Appointment.from_str(value)
    return [Reply(t(lang, "appointment.change_sent", number=number,
                    date=asked.date.isoformat(), window=_window(lang, asked.window)))]


async def on_pending(engine: DialogueEngine, conv: Conversation, message: InboundMessage,
                     text: str) -> list[Reply] | None:
    """A message while the bot waits for the new time: the time (sent to the backend), or
    what is wrong with it. None: it is something else; the question is dropped and the engine
    answers as usual."""
    assert conv.form is not None
    if message.button and message.button.startswith(BUTTON):
        return None  # on_button answers (and drops the question)
    if message.button or not text or text.startswith("/"):
        conv.form = None
        return None
    lang, form = conv.language, conv.form
    number, now = form.slots["ticket"], engine.clock()
    value = accept_when(text, None, now)
    if value is None and not is_non_answer(text):  # "我得问问我媳妇哪天在家": asked again
        parse = await engine._understand(text)
        if (parse is not None and parse.intent not in _NOT_A_REQUEST
                and parse.confidence >= INTERRUPT_CONFIDENCE):
            conv.form = None
            return None
    if value is None:
        form.failures += 1
        problem = Reply(t(lang, explain_when(text, now)))
        if form.failures >= MAX_FAILURES:
            conv.form = None
            return [problem, Reply(t(lang, "appointment.give_up", hotline=engine.hotline),
                                   buttons=[[Button(t(lang, "menu.human"), "person:failures")]])]
        return [problem, _ask(lang, "appointment.ask_time", number=number)]
    return await _request_change(engine, conv, number, value)
