"""A person: the customer queued for staff (their place and the expected wait), or outside
business hours a callback ticket; while they wait or talk to staff, the bot passes their
messages on and says nothing itself."""

from __future__ import annotations

from datetime import datetime

from bot.backend_client import BackendUnavailable
from bot.catalogue import text as t
from bot.dialogue.buttons import LEAVE_STAFF
from bot.dialogue.replies import backend_down, menu, stale
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation
from bot.dialogue.types import Button, InboundMessage, Reply

REASONS = ("human_agent", "failures", "complaint")


async def request_person(svc: Services, conv: Conversation, reason: str,
                         text: str | None) -> list[Reply]:
    """Queue the customer for staff (their place and expected wait), or, outside business
    hours, a callback ticket and when staff are back."""
    lang = conv.lang
    if reason not in REASONS:
        return [stale(lang)]
    try:
        answer = await svc.backend.request_person(conv.channel, conv.chat_id, language=lang,
                                                  reason=reason, text=text)
    except BackendUnavailable:
        return [Reply(t(lang, "human.hotline", hotline=svc.hotline))]
    conv.form = None
    if answer["state"] == "callback":
        back = datetime.fromisoformat(answer["back_at"])
        return [Reply(t(lang, "handoff.callback", number=answer["ticket_number"],
                        back=back.strftime("%m-%d %H:%M"), hotline=svc.hotline))]
    conv.with_staff = True
    if answer["state"] == "active":
        return [Reply(t(lang, "handoff.connected"))]
    return [queue_place(lang, "handoff.queued", answer.get("position"),
                        answer.get("expected_wait_minutes"))]


def queue_place(lang: str, key: str, ahead: object, minutes: object) -> Reply:
    """The customer's place in the line for staff and the expected wait (`key`: queued,
    moved or asked; its `_next` form when nobody is ahead), with the button to stop
    waiting."""
    ahead = ahead if isinstance(ahead, int) and ahead >= 0 else 0
    minutes = minutes if isinstance(minutes, int) and minutes > 0 else 1
    wait = (t(lang, "handoff.wait_one") if minutes == 1
            else t(lang, "handoff.wait", minutes=minutes))
    text = (t(lang, f"{key}_next", wait=wait) if ahead == 0
            else t(lang, key, position=ahead, wait=wait))
    return Reply(text, buttons=[[Button(t(lang, "handoff.leave"), LEAVE_STAFF)]])


async def relay(svc: Services, conv: Conversation, message: InboundMessage,
                text: str) -> list[Reply] | None:
    """While the customer waits for staff or talks to them, the bot passes messages on and
    says nothing itself, so it never answers alongside staff; a customer still waiting is
    answered by the backend (a `handoff_position` push: their place and the expected
    wait). None: the conversation with staff is over, answer as usual."""
    lang = conv.lang
    try:
        if message.button == LEAVE_STAFF or text in ("/cancel", "/start"):
            await svc.backend.leave_staff(conv.channel, conv.chat_id)
            conv.with_staff = False
            return [menu(lang, "handoff.left")]
        if message.button:
            return [Reply(t(lang, "handoff.waiting"))]
        if text and await svc.backend.forward_to_staff(conv.channel, conv.chat_id, text):
            return []
        if not text:
            return []
    except BackendUnavailable:
        return [backend_down(lang)]
    conv.with_staff = False
    return None
