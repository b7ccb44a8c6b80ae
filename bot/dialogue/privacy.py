"""The customer's own personal data, in their chat: what is held about them, and its erasure.

"What data do you have about me" (intent `data_export`, or /mydata) shows the contact details,
tickets with their statuses and survey answers held for this chat's customer, and nobody
else's. "Delete my data" (`data_deletion`, /deleteme) first says what will happen (open
tickets are cancelled) and asks to confirm with a button; only the button erases.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from bot.backend_client import BackendClient, BackendUnavailable
from bot.catalogue import has, text as t
from bot.dialogue.state import Conversation
from bot.dialogue.types import Button, Reply

log = logging.getLogger(__name__)

EXPORT, DELETION = "data_export", "data_deletion"
INTENTS = (EXPORT, DELETION)
COMMANDS = {"/mydata": EXPORT, "/deleteme": DELETION}
# Callback data of the confirmation buttons.
PREFIX = "privacy:"
ASK = "privacy:ask"  # under the export: "delete my data", which asks to confirm
ERASE = "privacy:erase"
KEEP = "privacy:keep"

FINAL_STATUSES = ("resolved", "closed", "cancelled")
# Tickets listed one per line in the export; the rest are counted.
MAX_LISTED = 20


def _path(channel: str, chat_id: str) -> str:
    return (f"/api/v1/customers/{quote(channel, safe='')}/{quote(chat_id, safe='')}"
            "/personal-data")


class PrivacyDialogue:
    def __init__(self, backend: BackendClient) -> None:
        self.backend = backend

    async def on_intent(self, conv: Conversation, intent: str) -> list[Reply]:
        try:
            if intent == EXPORT:
                return [await self._export(conv)]
            return [await self._confirm_deletion(conv)]
        except BackendUnavailable:
            return [Reply(t(conv.language, "error.backend_down"))]

    async def on_button(self, conv: Conversation, data: str) -> list[Reply]:
        lang = conv.language
        if data == KEEP:
            return [Reply(t(lang, "privacy.delete.kept"))]
        if data == ASK:
            return await self.on_intent(conv, DELETION)
        if data != ERASE:
            return [Reply(t(lang, "button.stale"))]
        try:
            response = await self.backend._request("DELETE", _path(conv.channel, conv.chat_id))
        except BackendUnavailable:
            return [Reply(t(lang, "error.backend_down"))]
        if response.status_code == 404:
            return [Reply(t(lang, "privacy.nothing"))]
        if response.status_code != 200:
            log.warning("erasure refused: HTTP %s", response.status_code)
            return [Reply(t(lang, "error.backend_down"))]
        conv.form, conv.survey = None, None
        cancelled = response.json()["tickets_cancelled"]
        done = [t(lang, "privacy.delete.done")]
        if cancelled:
            done.append(t(lang, "privacy.delete.cancelled", count=cancelled))
        return [Reply("\n".join(done))]

    async def _export(self, conv: Conversation) -> Reply:
        lang = conv.language
        response = await self.backend._request("GET", _path(conv.channel, conv.chat_id))
        if response.status_code == 404:
            return Reply(t(lang, "privacy.nothing"))
        if response.status_code != 200:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        data = response.json()
        return Reply("\n".join(_describe(lang, data)),
                     buttons=[[Button(t(lang, "privacy.delete.ask"), ASK)]])

    async def _confirm_deletion(self, conv: Conversation) -> Reply:
        lang = conv.language
        tickets = await self.backend.list_tickets(conv.channel, conv.chat_id)
        open_numbers = [tk["number"] for tk in tickets if tk["status"] not in FINAL_STATUSES]
        lines = [t(lang, "privacy.delete.confirm")]
        if open_numbers:
            lines.append(t(lang, "privacy.delete.open_tickets", count=len(open_numbers),
                           numbers=", ".join(open_numbers)))
        return Reply("\n".join(lines), buttons=[[Button(t(lang, "privacy.delete.erase"), ERASE),
                                                 Button(t(lang, "privacy.delete.keep"), KEEP)]])


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
        product = tk.get("product") or ""
        if has(lang, f"product.{product}"):
            product = t(lang, f"product.{product}")
        lines.append(t(lang, "privacy.export.ticket", number=tk["number"],
                       type=t(lang, f"type.{tk['type']}"), product=product,
                       status=t(lang, f"status_name.{tk['status']}")))
    if len(tickets) > MAX_LISTED:
        lines.append(t(lang, "privacy.export.more", count=len(tickets) - MAX_LISTED))
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
