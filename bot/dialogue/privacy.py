"""The customer's own personal data, in their chat: what is held about them, and its erasure.

"What data do you have about me" (intent `data_export`, or /mydata) shows the contact details,
tickets with their statuses and survey answers held for this chat's customer, and nobody
else's. "Delete my data" (`data_deletion`, /deleteme) first says what will happen (open
tickets are cancelled) and asks to confirm with a button; only the button erases.
"""

from __future__ import annotations

import logging

from bot.backend_client import BackendUnavailable
from bot.catalogue import name_of
from bot.catalogue import text as t
from bot.dialogue.buttons import PRIVACY_ASK, PRIVACY_ERASE, PRIVACY_KEEP
from bot.dialogue.replies import backend_down, stale
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation
from bot.dialogue.tickets import FINAL_STATUSES
from bot.dialogue.types import Button, Reply

log = logging.getLogger(__name__)

EXPORT, DELETION = "data_export", "data_deletion"
INTENTS = (EXPORT, DELETION)
COMMANDS = {"/mydata": EXPORT, "/deleteme": DELETION}
# Tickets listed one per line in the export; the rest are counted.
MAX_LISTED = 20


async def on_intent(svc: Services, conv: Conversation, intent: str) -> list[Reply]:
    """The export shown, or the erasure explained and asked to confirm."""
    try:
        if intent == EXPORT:
            return [await _export(svc, conv)]
        return [await _confirm_deletion(svc, conv)]
    except BackendUnavailable:
        return [backend_down(conv.lang)]


async def on_button(svc: Services, conv: Conversation, data: str) -> list[Reply]:
    """Only the erase button erases."""
    lang = conv.lang
    if data == PRIVACY_KEEP:
        return [Reply(t(lang, "privacy.delete.kept"))]
    if data == PRIVACY_ASK:
        return await on_intent(svc, conv, DELETION)
    if data != PRIVACY_ERASE:
        return [stale(lang)]
    try:
        erased = await svc.backend.erase_personal_data(conv.channel, conv.chat_id)
    except BackendUnavailable as exc:
        log.warning("erasure not done: %s", exc)
        return [backend_down(lang)]
    if erased is None:
        return [Reply(t(lang, "privacy.nothing"))]
    conv.form, conv.survey = None, None
    cancelled = erased["tickets_cancelled"]
    done = [t(lang, "privacy.delete.done")]
    if cancelled:
        done.append(t(lang, "privacy.delete.cancelled", count=cancelled))
    return [Reply("\n".join(done))]


async def _export(svc: Services, conv: Conversation) -> Reply:
    lang = conv.lang
    data = await svc.backend.personal_data(conv.channel, conv.chat_id)
    if data is None:
        return Reply(t(lang, "privacy.nothing"))
    return Reply("\n".join(_describe(lang, data)),
                 buttons=[[Button(t(lang, "privacy.delete.ask"), PRIVACY_ASK)]])


async def _confirm_deletion(svc: Services, conv: Conversation) -> Reply:
    lang = conv.lang
    tickets = await svc.backend.list_tickets(conv.channel, conv.chat_id)
    open_numbers = [tk["number"] for tk in tickets if tk["status"] not in FINAL_STATUSES]
    lines = [t(lang, "privacy.delete.confirm")]
    if open_numbers:
        lines.append(t(lang, "privacy.delete.open_tickets", count=len(open_numbers),
                       numbers=", ".join(open_numbers)))
    return Reply("\n".join(lines), buttons=[[
        Button(t(lang, "privacy.delete.erase"), PRIVACY_ERASE),
        Button(t(lang, "privacy.delete.keep"), PRIVACY_KEEP)]])


def _describe(lang: str, data: dict) -> list[str]:
    """The export as lines of the chat's language."""
    tickets = data["tickets"]
    phones = sorted({tk["phone"] for tk in tickets if tk.get("phone")})
    addresses = sorted({tk["address"] for tk in tickets if tk.get("address")})
    none = t(lang, "privacy.export.none")
    lines = [t(lang, "privacy.export.title"),
             t(lang, "privacy.export.name", name=data.get("display_name") or none),
             t(lang, "privacy.export.phones", phones=", ".join(phones) or none),
             t(lang, "privacy.export.addresses", addresses="; ".join(addresses) or none),
             t(lang, "privacy.export.chats", chats=", ".join(
                 t(lang, f"privacy.channel.{c['channel']}") for c in data["chats"]) or none)]
    lines.append(t(lang, "privacy.export.tickets", count=len(tickets)))
    for tk in tickets[-MAX_LISTED:]:
        product = name_of(lang, "product", tk.get("product") or "")
        lines.append(t(lang, "privacy.export.ticket", number=tk["number"],
                       type=t(lang, f"type.{tk['type']}"), product=product,
                       status=t(lang, f"status_name.{tk['status']}")))
    if len(tickets) > MAX_LISTED:
        lines.append(t(lang, "privacy.export.more", count=len(tickets) - MAX_LISTED))
    if data.get("products"):
        lines.append(t(lang, "privacy.export.products"))
        for product in data["products"]:
            name = name_of(lang, "product", product["category"])
            said = [v for v in (product.get("brand"), product.get("model"),
                                product.get("serial"), product.get("purchase_date"),
                                product.get("purchased_from"), product.get("install_address"))
                    if v]
            lines.append(t(lang, "privacy.export.product", product=name,
                           details=t(lang, "privacy.export.separator").join(said) or none))
    if data["surveys"]:
        lines.append(t(lang, "privacy.export.surveys"))
        for survey in data["surveys"]:
            lines.append(t(lang, "privacy.export.survey", number=survey["ticket_number"],
                           answers=_answers(lang, survey)))
    if data["conversations"]:
        lines.append(t(lang, "privacy.export.conversations", count=len(data["conversations"])))
    lines.append(t(lang, "privacy.export.footer"))
    return lines


def _answers(lang: str, survey: dict) -> str:
    parts = []
    if survey.get("solved") is not None:
        parts.append(t(lang, "privacy.export.solved" if survey["solved"]
                       else "privacy.export.not_solved"))
    if survey.get("rating"):
        parts.append(t(lang, "privacy.export.rating", rating=survey["rating"]))
    if survey.get("comment"):
        parts.append(t(lang, "privacy.export.comment", comment=survey["comment"]))
    return t(lang, "privacy.export.separator").join(parts) or t(lang, "privacy.export.none")
