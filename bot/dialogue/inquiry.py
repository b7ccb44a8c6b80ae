"""Questions answered from the knowledge base (warranty, fees, hours, outlets, usage, error
codes); what it cannot answer becomes an inquiry ticket. A trouble described ("why does it
leak underneath") gets its self-checks, with the repair one tap away."""

from __future__ import annotations

import uuid

from bot.backend_client import BackendUnavailable
from bot.catalogue import text as t
from bot.dialogue import warranty
from bot.dialogue.buttons import HELPED, MENU
from bot.dialogue.extract import topic_of
from bot.dialogue.product_details import find_brand
from bot.dialogue.product_names import find_product
from bot.dialogue.replies import backend_down
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation
from bot.dialogue.types import Button, Reply
from nlu.client import Parse


async def answer(svc: Services, conv: Conversation, parse: Parse, text: str,
                 in_form: bool = False, offer_repair: bool = False) -> list[Reply]:
    """Answer from the knowledge base; what it cannot answer becomes an inquiry ticket.
    `in_form`: asked in the middle of a form (no buttons: the form's question follows);
    `offer_repair`: a question about an error code, with the repair offered."""
    lang = conv.lang
    try:
        code = parse.entity("error_code") if offer_repair else None
        product = parse.entity("product") or find_product(text)
        topic = topic_of(parse, text)
        entry = await svc.backend.answer(
            language=lang, topic=topic, product=product,
            city=parse.entity("city"), text=text, code=code)
        # A warranty question (by the NLU's topic or by the answer found): the customer's own.
        asked = topic or (entry or {}).get("topic")
        own = (await warranty.own_products(svc, conv, product,
                                           parse.entity("brand") or find_brand(text), text)
               if asked == "warranty" else [])
        if warranty.known(own):
            remember(conv, parse, product or own[-1]["category"])
            return [Reply("\n".join(warranty.lines(lang, own, svc.clock().date())),
                          buttons=[] if in_form else _after_answer(lang, repair=True))]
        if code and not (entry and code.lower() in entry["answer"].lower()):
            # Nothing on this code: said so, not another answer in its place.
            return [Reply(t(lang, "inquiry.unknown_code", code=code), buttons=[
                [Button(t(lang, "menu.repair"), f"{MENU}repair"),
                 Button(t(lang, "menu.human"), f"{MENU}human")]])]
        if entry:
            remember(conv, parse, product)
            # "还在保修吗" about an appliance: the repair is one tap away.
            repair = offer_repair or bool(product and topic in ("warranty", "fee"))
            # A registered product without a purchase date: said so, then the policy.
            said = warranty.lines(lang, own, svc.clock().date())
            return [Reply("\n".join([*said, entry["answer"]]),
                          buttons=[] if in_form else _after_answer(lang, repair=repair))]
        created = await svc.backend.create_ticket(
            idempotency_key=f"{conv.channel}:{conv.chat_id}:inquiry:{uuid.uuid4().hex}",
            ticket={"customer": {"channel": conv.channel, "chat_id": conv.chat_id,
                                 "language": lang},
                    "type": "inquiry", "description": text[:2000],
                    "product": parse.entity("product")})
    except BackendUnavailable:
        return [backend_down(lang)]
    return [Reply(t(lang, "inquiry.ticket", number=created["number"]))]


async def self_checks(svc: Services, conv: Conversation, parse: Parse,
                      text: str) -> list[Reply]:
    """The troubleshooting entry for the trouble described, with the repair offered; none
    when the knowledge base has none for it (the request goes on as it was)."""
    lang = conv.lang
    product = parse.entity("product") or find_product(text)
    try:
        entry = await svc.backend.answer(
            language=lang, topic=None, city=None, text=text, product=product)
    except BackendUnavailable:
        return []
    if not entry or entry.get("topic") != "usage":
        return []
    remember(conv, parse, product)
    return [Reply(entry["answer"], buttons=[
        [Button(t(lang, "menu.repair"), f"{MENU}repair")],
        [Button(t(lang, "inquiry.helped"), HELPED),
         Button(t(lang, "menu.human"), f"{MENU}human")]])]


def _after_answer(lang: str, *, repair: bool) -> list[list[Button]]:
    buttons = [[Button(t(lang, "inquiry.helped"), HELPED),
                Button(t(lang, "menu.human"), f"{MENU}human")]]
    return [[Button(t(lang, "menu.repair"), f"{MENU}repair")], *buttons] if repair else buttons


def remember(conv: Conversation, parse: Parse, product: str | None) -> None:
    """Keep the appliance (and the code) a message or an answer was about, for a repair
    asked for next."""
    context = {"product": product, "error_code": parse.entity("error_code")}
    conv.context = {k: v for k, v in context.items() if v} or None
