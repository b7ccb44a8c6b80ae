""""Is my fridge still under warranty?" answered from the customer's own record: the products
they registered (backend/products), each with the cover it has today as the backend computes
it. Nothing registered of that kind: the general policy, as before (bot/dialogue/inquiry.py)."""

from __future__ import annotations

from datetime import date

from bot.backend_client import BackendUnavailable
from bot.catalogue import name_of
from bot.catalogue import text as t
from bot.dialogue.purchase_date import year_named
from bot.dialogue.services import Services
from bot.dialogue.state import Conversation
from nlu.brands import brand_in, same_brand
from nlu.entities import canonical_product

# More than this many products of one kind: the newest, with the rest left to staff.
MAX_SHOWN = 3


async def own_products(svc: Services, conv: Conversation, product: str | None,
                       brand: str | None = None, text: str = "") -> list[dict]:
    """The customer's registered products the question is about: those of the category asked,
    else those of the brand named ("海尔那个还保不保" of a Haier fridge), else those bought in
    the year named ("去年买的那台", "the one I bought last year"), else the only one they have.
    [] when the backend cannot say."""
    try:
        products = await svc.backend.list_products(conv.channel, conv.chat_id)
    except BackendUnavailable:
        return []
    if product:
        wanted = canonical_product(product) or product  # the NLU's value may be 冷氣
        return [p for p in products if p["category"] == wanted][-MAX_SHOWN:]
    if brand and (same := [p for p in products if same_brand(p.get("brand"), brand)]):
        return same[-MAX_SHOWN:]
    year = year_named(text, svc.clock().year)
    if year and (then := [p for p in products
                          if (p.get("purchase_date") or "").startswith(f"{year}-")]):
        return then[-MAX_SHOWN:]
    return products if len(products) == 1 else []


def lines(lang: str, products: list[dict], today: date) -> list[str]:
    """What each product's warranty is today, in the chat's language."""
    said = []
    for product in products:
        cover = product["warranty"]
        name = product_name(lang, product)
        bought = (t(lang, "warranty.bought", date=product["purchase_date"])
                  if product["purchase_date"] else "")
        parts = _parts(lang, cover["main_parts"])
        match cover["coverage"]:
            case "whole_unit":
                main = (t(lang, "warranty.main", parts=parts, main_until=cover["main_parts_until"])
                        if cover["main_parts_until"] and parts else "")
                said.append(t(lang, "warranty.whole_unit", product=name, bought=bought,
                              whole_until=cover["whole_unit_until"], main=main))
            case "main_parts_only":
                said.append(t(lang, "warranty.main_parts_only", product=name, bought=bought,
                              whole_until=cover["whole_unit_until"], parts=parts,
                              main_until=cover["main_parts_until"]))
            case "expired":
                said.append(t(lang, "warranty.expired", product=name, bought=bought,
                              until=cover["main_parts_until"] or cover["whole_unit_until"]))
            case _:
                said.append(t(lang, "warranty.unknown", product=name))
                continue
        if cover["return_until"] and date.fromisoformat(cover["return_until"]) >= today:
            said.append(t(lang, "warranty.return", return_until=cover["return_until"]))
        elif cover["exchange_until"] and date.fromisoformat(cover["exchange_until"]) >= today:
            said.append(t(lang, "warranty.exchange", exchange_until=cover["exchange_until"]))
    return said


def ticket_lines(lang: str, cover: dict) -> list[str]:
    """A new repair ticket's warranty, as the backend kept it on the ticket (its product and
    cover that day; no 三包 days): nothing when it is not known."""
    if cover.get("coverage") in (None, "unknown"):
        return []
    product = {"category": cover.get("category") or "", "brand": cover.get("brand"),
               "model": cover.get("model"), "purchase_date": cover.get("purchase_date"),
               "warranty": {"return_until": None, "exchange_until": None, **cover}}
    return lines(lang, [product], date.fromisoformat(cover["as_of"]))


def known(products: list[dict]) -> bool:
    """Whether any of them has a cover to tell (a purchase date)."""
    return any(p["warranty"]["coverage"] != "unknown" for p in products)


def product_name(lang: str, product: dict) -> str:
    """"美的空调（KFR-35GW）", "Midea air conditioner (KFR-35GW)"."""
    name = name_of(lang, "product", product["category"])
    brand, model = product.get("brand"), product.get("model")
    brand = brand_in(brand, lang) if brand else brand
    if lang == "en":
        return " ".join(filter(None, [brand, name])) + (f" ({model})" if model else "")
    return f"{brand or ''}{name}" + (f"（{model}）" if model else "")


def _parts(lang: str, parts: list[str]) -> str:
    names = [name_of(lang, "part", part) for part in parts]
    return (" and " if lang == "en" else "和").join(names)
