"""The customer's registered products in a repair or installation form: offered as buttons
for "which appliance?", the one the ticket is about linked (the backend keeps its warranty on
the ticket: backend/products/tickets.py), and named in the summary before it is sent.

A product is linked when the customer picks it, or when it is the only one they registered of
the kind they named; with two fridges and "冰箱" typed, none is (staff can tell them apart,
a guess cannot). The summary shows the link, so the customer sees it before submitting."""

from __future__ import annotations

from bot.backend_client import BackendUnavailable
from bot.catalogue import text as t
from bot.dialogue.buttons import OWN
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation, Form
from bot.dialogue.types import Button
from bot.dialogue.warranty import product_name

# The forms whose ticket is about one appliance the customer may have registered.
LINKED_FORMS = ("repair", "installation")
# Buttons for more products than this would crowd the question: the newest are offered.
MAX_OFFERED = 4


async def load(svc: Services, conv: Conversation) -> list[dict]:
    """The customer's products, newest last; [] when the backend cannot say (the form goes
    on without them)."""
    try:
        products = await svc.backend.list_products(conv.channel, conv.chat_id)
    except BackendUnavailable:
        return []
    return [{"id": p["id"], "category": p["category"], "brand": p.get("brand"),
             "model": p.get("model")} for p in products]


def link(form: Form) -> None:
    """Keep the link in step with the product named: dropped when the customer changed the
    kind of appliance, made when exactly one registered product is of that kind."""
    if not form.owned:
        return
    category = form.slots.get("product")
    linked = linked_product(form)
    if linked is not None and linked["category"] != category:
        form.product_id = None
    if form.product_id is None and category:
        same = [p for p in form.owned if p["category"] == category]
        if len(same) == 1:
            form.product_id = same[0]["id"]


def linked_product(form: Form) -> dict | None:
    return next((p for p in form.owned if p["id"] == form.product_id), None)


def buttons(lang: str, form: Form) -> list[list[Button]]:
    """One row per registered product, offered before the kinds of appliance."""
    return [[Button(t(lang, "form.own_product", product=product_name(lang, product)),
                    f"{OWN}{product['id']}")] for product in form.owned[-MAX_OFFERED:]]


def pick(form: Form, product_id: str) -> bool:
    """The customer chose one of their products: the form's product is its kind."""
    chosen = next((p for p in form.owned if str(p["id"]) == product_id), None)
    if chosen is None:
        return False
    form.slots["product"], form.product_id = chosen["category"], chosen["id"]
    return True


def summary_line(lang: str, form: Form) -> str | None:
    linked = linked_product(form)
    return (t(lang, "form.linked_product", product=product_name(lang, linked))
            if linked else None)
