"""What the customer's chat shows for an event the backend pushed (a status change, a
reminder, the request to accept the work, the line for staff, staff's words, a survey).

The event is read into its typed push (the contract: backend/kernel/pushes.py); a kind this
bot does not know, or an event its kind's model refuses, is shown as a generic update."""

from __future__ import annotations

import logging

from backend.kernel import pushes as contract
from bot.catalogue import text as t
from bot.dialogue import appointments, quotes, records, surveys
from bot.dialogue.buttons import ACCEPT, REJECT
from bot.dialogue.handoff import queue_place
from bot.dialogue.replies import menu
from bot.dialogue.services import Services
from bot.dialogue.types import Button, Reply
from bot.language import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)


async def render(svc: Services, event: dict) -> list[Reply]:
    """The replies for one pushed event, in the chat's language."""
    conv = await svc.store.load(event["channel"], str(event["chat_id"]))
    lang = conv.language or event.get("language") or DEFAULT_LANGUAGE
    push = contract.read(event)
    match push:
        case contract.StatusChanged(ticket_number=number, status=status, note=note):
            lines = [t(lang, "push.status_changed", number=number,
                       status=t(lang, f"status_name.{status}")),
                     t(lang, f"next_step.{status}")]
            reply = appointments.status_reply(lang, event, lines)
            if note:  # the staff's own words, set apart and labelled as theirs
                reply = Reply(f"{reply.text}\n\n{t(lang, 'push.note', note=note)}",
                              buttons=reply.buttons)
            return [reply]
        case contract.AppointmentReminder(ticket_number=number, date=day, window=window):
            return [Reply(t(lang, "push.reminder", number=number, date=day.isoformat(),
                            window=t(lang, f"window.{window}") if window else ""))]
        case contract.QuoteSent():
            return [quotes.render(lang, push)]
        case contract.ServiceRecordSent():
            return [records.render(lang, push, files=push.channel in svc.file_senders)]
        case contract.AcceptanceRequest(ticket_number=number):
            return [Reply(t(lang, "push.acceptance", number=number), buttons=[[
                Button(t(lang, "acceptance.accept"), f"{ACCEPT}{number}"),
                Button(t(lang, "acceptance.reject"), f"{REJECT}{number}")]])]
        case contract.HandoffPosition():  # the customer's place changed, or they wrote
            if not conv.with_staff:  # left the line meanwhile: nothing to tell
                return []
            key = "handoff.asked" if push.cause == "asked" else "handoff.moved"
            return [queue_place(lang, key, push.position, push.expected_wait_minutes)]
        case contract.HandoffTaken(staff=staff):
            return [Reply(t(lang, "handoff.taken", staff=staff))]
        case contract.StaffMessage(staff=staff, text=text):
            return [Reply(t(lang, "handoff.staff_says", staff=staff, text=text))]
        case contract.TicketReply(ticket_number=number, staff=staff, text=text):
            return [Reply(t(lang, "ticket_reply.says", staff=staff, number=number, text=text))]
        case contract.HandoffEnded():
            return await _back_from_staff(svc, event)
        case contract.SurveyRequest() | contract.SurveyReminder():
            return await surveys.start(svc, event, str(push.kind))
        case contract.StaffAlert(ticket_number=number, text=text):
            return [Reply(t(lang, "push.staff_alert", number=number, text=text))]
    if (kind := contract.kind_of(event)) not in contract.MODELS:  # malformed: `read` logs it
        log.warning("push of unknown kind %s shown as a generic update", kind)
    return [Reply(t(lang, "push.updated", number=event.get("ticket_number", "")))]


async def _back_from_staff(svc: Services, event: dict) -> list[Reply]:
    channel, chat_id = event["channel"], str(event["chat_id"])
    async with svc.lock(channel, chat_id):
        async with svc.store.turn(channel, chat_id, None) as conv:
            assert conv is not None  # a turn without an update id always has its state
            conv.with_staff = False
            return [menu(conv.lang, "handoff.ended")]
