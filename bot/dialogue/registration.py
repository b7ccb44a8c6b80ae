"""A product registered in the chat: the register_product form's answers become a product of
the customer's (backend/products), with the photos of its invoice or nameplate the backend
kept when it read them (their tokens: `photos`), and the reply says what its warranty is
today. A backend that cannot take it now leaves the form at its summary, to be sent again:
nothing is kept behind the customer's back."""

from __future__ import annotations

import logging

from bot.backend_client import BackendUnavailable, TicketRefused
from bot.catalogue import text as t
from bot.dialogue import warranty
from bot.dialogue.buttons import CANCEL, CHANGE, MENU, SUBMIT
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation
from bot.dialogue.types import Button, Reply

log = logging.getLogger(__name__)

FIELDS = ("category", "brand", "model", "serial", "purchase_date", "purchased_from")


def product_request(conv: Conversation) -> dict:
    assert conv.form is not None
    values = {("category" if name == "product" else name): value
              for name, value in conv.form.slots.items() if value}
    request: dict = {name: values[name] for name in FIELDS if name in values}
    if conv.form.photos:
        request["photos"] = list(conv.form.photos)
    return request


async def submit(svc: Services, conv: Conversation) -> list[Reply]:
    lang = conv.lang
    try:
        product = await svc.backend.register_product(conv.channel, conv.chat_id,
                                                      product_request(conv))
    except TicketRefused:
        # Sending the same details again will not help: they are to be changed.
        log.warning("a product registration was refused")
        return [Reply(t(lang, "registration.refused", hotline=svc.hotline),
                      buttons=[[Button(t(lang, "form.change"), CHANGE),
                                Button(t(lang, "form.cancel"), CANCEL)]])]
    except BackendUnavailable as exc:
        log.warning("a product registration was not taken: %s", type(exc).__name__)
        return [Reply(t(lang, "registration.not_saved", hotline=svc.hotline),
                      buttons=[[Button(t(lang, "form.submit"), SUBMIT),
                                Button(t(lang, "form.cancel"), CANCEL)]])]
    conv.form = None
    lines = [t(lang, "registration.saved")]
    lines += warranty.lines(lang, [product], svc.clock().date())
    if product.get("duplicate_of"):
        lines.append(t(lang, "registration.serial_held"))
    return [Reply("\n".join(lines), buttons=[[
        Button(t(lang, "menu.repair"), f"{MENU}repair"),
        Button(t(lang, "menu.human"), f"{MENU}human")]])]
