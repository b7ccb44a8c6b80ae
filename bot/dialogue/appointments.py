"""The customer's answer to an appointment staff made: confirm it, or ask for another time.

When staff schedule a visit, the "scheduled" push shows the date and window with two buttons.
"Confirm" tells the backend (`appointment/confirm`). "Another time" asks the customer when
would suit them; what they type is read like the forms' visit time (`bot/dialogue/when.py`:
明天下午, 週六上午, next Monday morning) and sent to the backend (`appointment/change`), where it
waits on the ticket for the dispatcher. While the bot waits for that time, the conversation
carries a `Form` named `PENDING` (its `ticket` slot: the ticket number), so a restart keeps the
question open; any other button, command or clearly different request drops it.

The dialogue calls in at four points: `status_reply` (rendering a status push), `on_button`
(the `appt:` buttons), `on_intent` (a change asked for in words) and `on_pending` (each
message while waiting).
"""

from __future__ import annotations

from bot.backend_client import BackendUnavailable
from bot.catalogue import text as t
from bot.dialogue import tickets
from bot.dialogue.buttons import (
    APPOINTMENT_KEEP as KEEP,
)
from bot.dialogue.buttons import (
    APPOINTMENT_OK as CONFIRM,
)
from bot.dialogue.buttons import (
    APPOINTMENT_OTHER as OTHER_TIME,
)
from bot.dialogue.buttons import (
    PERSON,
    Pressed,
)
from bot.dialogue.buttons import (
    parse as parse_button,
)
from bot.dialogue.extract import is_non_answer
from bot.dialogue.forms import accept_when, explain_when
from bot.dialogue.replies import backend_down, menu, stale
from bot.dialogue.services import Services
from bot.dialogue.state import APPOINTMENT_CHANGE as PENDING
from bot.dialogue.state import Conversation, Form, Mode
from bot.dialogue.types import Button, InboundMessage, Reply
from bot.dialogue.when import Appointment
from nlu.client import FALLBACK_INTENT, Parse

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
    """A status push's reply; for a visit just scheduled, with its date and window, the
    technician coming (name and staff number, to check at the door: 一证件) and the buttons
    to confirm it or ask for another time."""
    appointment = event.get("appointment")
    if event.get("status") != "scheduled" or not appointment:
        return Reply("\n".join(lines))
    number = event.get("ticket_number", "")
    lines = [*lines, t(lang, "appointment.when", date=appointment["date"],
                       window=_window(lang, appointment.get("window")))]
    technician = event.get("technician")
    if isinstance(technician, dict) and technician.get("name"):  # 一证件: checked at the door
        staff_number = technician.get("staff_number")
        lines.append(t(lang, "credential.numbered" if staff_number else "credential.named",
                       name=technician["name"], staff_number=staff_number))
    return Reply("\n".join(lines), buttons=[[
        Button(t(lang, "appointment.confirm"), f"{CONFIRM}{number}"),
        Button(t(lang, "appointment.other_time"), f"{OTHER_TIME}{number}"),
    ]])


def _ask(lang: str, key: str, **values: object) -> Reply:
    return Reply(t(lang, key, **values), buttons=[[Button(t(lang, "appointment.keep"), KEEP)]])


async def on_button(svc: Services, conv: Conversation, pressed: Pressed) -> list[Reply]:
    """Confirm, another time, or keep the appointment."""
    lang = conv.lang
    if conv.mode is Mode.AWAITING_TIME:
        conv.form = None
    match pressed.args:
        case ("keep", _):
            return [Reply(t(lang, "appointment.kept"))]
        case ("other", number):
            conv.form = Form(name=PENDING, slots={"ticket": number}, asking="when")
            return [_ask(lang, "appointment.ask_time", number=number)]
        case ("ok", number):
            result, refusal = await tickets.act(svc, conv, number, "appointment/confirm")
            if result is None:
                return refusal
            return [Reply(t(lang, "appointment.confirmed", number=number))]
    return [stale(lang)]


async def on_intent(svc: Services, conv: Conversation, parse: Parse,
                    text: str) -> list[Reply]:
    """"师傅明天能不能改成下午来", "can the visit be moved to Monday": the visit of the ticket
    named, or of the one ticket with a visit (else a choice); the new time from the same
    words, else asked for."""
    lang = conv.lang
    number = tickets.named_number(parse, text)
    if number is None:
        try:
            mine = await svc.backend.list_tickets(conv.channel, conv.chat_id)
        except BackendUnavailable:
            return [backend_down(lang)]
        visits = [tk for tk in mine if tk["status"] in _WITH_A_VISIT]
        if not visits:
            return [menu(lang, "appointment.none")]
        if len(visits) > 1:
            return [Reply(t(lang, "appointment.which"), buttons=[
                [Button(f"{tk['number']} " + t(lang, "type." + tk["type"]),
                        f"{OTHER_TIME}{tk['number']}")] for tk in visits[:5]])]
        number = visits[0]["number"]
    value = accept_when(text, parse, svc.clock())
    if value is None:
        conv.form = Form(name=PENDING, slots={"ticket": number}, asking="when")
        return [_ask(lang, "appointment.ask_time", number=number)]
    return await _request_change(svc, conv, number, value)


async def _request_change(svc: Services, conv: Conversation, number: str,
                          value: str) -> list[Reply]:
    """Send the wanted time to the backend, where it waits for the dispatcher."""
    lang = conv.lang
    conv.form = None
    result, refusal = await tickets.act(svc, conv, number, "appointment/change",
                                        {"requested": value})
    if result is None:
        return refusal
    asked = Appointment.from_str(value)
    return [Reply(t(lang, "appointment.change_sent", number=number,
                    date=asked.date.isoformat(), window=_window(lang, asked.window)))]


async def on_pending(svc: Services, conv: Conversation, message: InboundMessage,
                     text: str) -> list[Reply] | None:
    """A message while the bot waits for the new time: the time (sent to the backend), or
    what is wrong with it. None: it is something else; the question is dropped and the engine
    answers as usual."""
    assert conv.form is not None
    if message.button and parse_button(message.button).kind == "appt":
        return None  # on_button answers (and drops the question)
    if message.button or not text or text.startswith("/"):
        conv.form = None
        return None
    lang, form = conv.lang, conv.form
    number, now = form.slots["ticket"], svc.clock()
    value = accept_when(text, None, now)
    if value is None and not is_non_answer(text):  # "我得问问我媳妇哪天在家": asked again
        parse = await svc.understand(text)
        if (parse is not None and parse.intent not in _NOT_A_REQUEST
                and parse.confidence >= INTERRUPT_CONFIDENCE):
            conv.form = None
            return None
    if value is None:
        form.failures += 1
        problem = Reply(t(lang, explain_when(text, now)))
        if form.failures >= MAX_FAILURES:
            conv.form = None
            return [problem, Reply(t(lang, "appointment.give_up", hotline=svc.hotline),
                                   buttons=[[Button(t(lang, "menu.human"), f"{PERSON}failures")]])]
        return [problem, _ask(lang, "appointment.ask_time", number=number)]
    return await _request_change(svc, conv, number, value)
