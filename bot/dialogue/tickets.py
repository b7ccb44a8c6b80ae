"""The customer's tickets in the chat: their status, and what the customer may do to one
(hurry it up, cancel it, accept the work, praise it). The backend decides what a ticket's
status allows; a refusal shows the ticket as it is."""

from __future__ import annotations

import logging

from bot.backend_client import BackendUnavailable, NotAllowed
from bot.catalogue import name_of
from bot.catalogue import text as t
from bot.dialogue.buttons import CANCEL_CONFIRMED, EXPEDITE, KEEP_TICKET, TICKET
from bot.dialogue.replies import backend_down, menu, stale
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation
from bot.dialogue.types import Button, Reply
from nlu.client import Parse
from nlu.entities import canonical_ticket_number

log = logging.getLogger(__name__)

# Reasons a customer can give for cancelling a ticket (labels `cancel.reason.<code>`).
CANCEL_REASONS = ("solved", "no_longer_needed", "wrong_time", "other")
# Tickets in these statuses are past acting on.
FINAL_STATUSES = frozenset({"resolved", "closed", "cancelled"})


def named_number(parse: Parse, text: str) -> str | None:
    """The ticket number the customer named, if any."""
    return parse.entity("ticket_number") or canonical_ticket_number(text)


async def status(svc: Services, conv: Conversation, number: str | None) -> list[Reply]:
    """One ticket (the one named), or the customer's latest tickets as buttons."""
    lang = conv.lang
    try:
        if number:
            ticket = await svc.backend.get_ticket(conv.channel, conv.chat_id, number)
            if ticket is None:
                return [Reply(t(lang, "status.not_found", number=number))]
            return [Reply(describe(lang, ticket))]
        tickets = await svc.backend.list_tickets(conv.channel, conv.chat_id)
    except BackendUnavailable:
        return [backend_down(lang)]
    if not tickets:
        return [menu(lang, "status.none")]
    shown = tickets[:5]
    lines = [t(lang, "status.list")] + [
        t(lang, "status.line", number=tk["number"], type=t(lang, f"type.{tk['type']}"),
          status=t(lang, f"status_name.{tk['status']}")) for tk in shown
    ]
    return [Reply("\n".join(lines), buttons=[
        [Button(tk["number"], f"{TICKET}{tk['number']}")] for tk in shown
    ])]


def describe(lang: str, ticket: dict) -> str:
    product = name_of(lang, "product", ticket.get("product") or "")
    return t(lang, "status.detail", number=ticket["number"],
             type=t(lang, f"type.{ticket['type']}"),
             status=t(lang, f"status_name.{ticket['status']}"), product=product,
             next=t(lang, f"next_step.{ticket['status']}"))


async def open_tickets(svc: Services, conv: Conversation) -> list[dict]:
    tickets = await svc.backend.list_tickets(conv.channel, conv.chat_id)
    return [tk for tk in tickets if tk["status"] not in FINAL_STATUSES]


async def has_open_ticket(svc: Services, conv: Conversation) -> bool:
    try:
        return bool(await open_tickets(svc, conv))
    except BackendUnavailable:
        return True  # not known: the usual way (which says the backend is down)


async def choose(svc: Services, conv: Conversation, number: str | None,
                 action: str) -> list[Reply]:
    """Expedite or cancel (`action`: the button prefix): the ticket named, the one open
    ticket, or a choice."""
    lang, kind = conv.lang, action.rstrip(":")
    if number is None:
        try:
            candidates = await open_tickets(svc, conv)
        except BackendUnavailable:
            return [backend_down(lang)]
        if not candidates:
            return [menu(lang, f"{kind}.none")]
        if len(candidates) > 1:
            return [Reply(t(lang, f"{kind}.which"), buttons=[
                [Button(f"{tk['number']} " + t(lang, "type." + tk["type"]),
                        f"{action}{tk['number']}")] for tk in candidates[:5]])]
        number = candidates[0]["number"]
    if action == EXPEDITE:
        return await expedite(svc, conv, number)
    return [confirm_cancel(conv, number)]


async def act(svc: Services, conv: Conversation, number: str, action: str,
              body: dict | None = None) -> tuple[dict | None, list[Reply]]:
    """A customer's action on their ticket: the backend's answer, or (None, what to say
    instead) when the ticket is not theirs, its status forbids it, or the backend is down."""
    try:
        result = await svc.backend.ticket_action(conv.channel, conv.chat_id, number,
                                                 action, body)
    except NotAllowed:
        return None, await status(svc, conv, number)
    except BackendUnavailable:
        return None, [backend_down(conv.lang)]
    if result is None:
        return None, [Reply(t(conv.lang, "status.not_found", number=number))]
    return result, []


async def expedite(svc: Services, conv: Conversation, number: str) -> list[Reply]:
    lang = conv.lang
    result, refusal = await act(svc, conv, number, "expedite")
    if result is None:
        return refusal
    ticket = result["ticket"]
    follow_up = "expedite.raised" if result["priority_raised"] else "expedite.noted"
    return [Reply("\n".join([
        t(lang, "expedite.done", number=ticket["number"],
          status=t(lang, f"status_name.{ticket['status']}")),
        t(lang, follow_up, hours=result["act_within_hours"]),
    ]))]


def confirm_cancel(conv: Conversation, number: str) -> Reply:
    """Cancelling is asked to confirm, with the reason as the buttons."""
    lang = conv.lang
    reasons = [Button(t(lang, f"cancel.reason.{code}"), f"{CANCEL_CONFIRMED}{number}:{code}")
               for code in CANCEL_REASONS]
    return Reply(t(lang, "cancel.confirm", number=number),
                 buttons=[reasons[:2], reasons[2:], [Button(t(lang, "cancel.keep"),
                                                            KEEP_TICKET)]])


async def cancel(svc: Services, conv: Conversation, number: str, reason: str) -> list[Reply]:
    lang = conv.lang
    if reason not in CANCEL_REASONS:
        return [stale(lang)]
    result, refusal = await act(svc, conv, number, "cancel", {"reason": reason})
    if result is None:
        return refusal
    return [Reply(t(lang, "cancel.done", number=number))]


async def acceptance(svc: Services, conv: Conversation, number: str,
                     accepted: bool) -> list[Reply]:
    """The customer confirms the job is done (验收), or says it is not fixed."""
    lang = conv.lang
    action, body = ("accept", None) if accepted else (
        "reject", {"note": t(lang, "acceptance.rejected_note")})
    result, refusal = await act(svc, conv, number, action, body)
    if result is None:
        return refusal
    return [Reply(t(lang, "acceptance.thanks" if accepted else "acceptance.sent_back",
                    number=number))]


async def praise(svc: Services, conv: Conversation, number: str | None,
                 text: str) -> list[Reply]:
    """Thank the customer, and record the praise on the ticket it is about (the one named,
    else their latest)."""
    try:
        if number is None:
            tickets = await svc.backend.list_tickets(conv.channel, conv.chat_id)
            number = tickets[0]["number"] if tickets else None
        if number:
            await svc.backend.ticket_action(conv.channel, conv.chat_id, number, "feedback",
                                            {"kind": "praise", "text": text[:1000]})
    except (BackendUnavailable, NotAllowed):
        log.warning("praise not recorded")
    return [Reply(t(conv.lang, "smalltalk.praise"))]
