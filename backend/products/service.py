"""Products: registered by the customer in the chat (or by staff), with the warranty each has
today by its category's policy; the policies themselves, kept by admins."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers import service as customer_service
from backend.errors import NotFound
from backend.kernel.clock import local_now
from backend.knowledge.enums import PRODUCTS, canonical_product
from backend.products import warranty
from backend.products.enums import Region, Source
from backend.products.models import CustomerProduct, WarrantyPolicy
from backend.products.schemas import PolicyIn, ProductIn, ProductOut, ProductPatch, Warranty

POLICIES_FILE = Path(__file__).with_name("policies.yml")


class DateInTheFuture(ValueError):
    """A purchase or installation date after today. 422."""


class UnknownCategory(ValueError):
    """Not one of the product categories. 422."""


def category_of(value: str) -> str:
    """The canonical category of any spelling (冷氣, fridge)."""
    category = canonical_product(value)
    if category not in PRODUCTS:
        raise UnknownCategory(f"not a product category: one of {', '.join(PRODUCTS)}")
    return category


def default_policies() -> list[dict]:
    """The policies a new database starts with (policies.yml)."""
    spec = yaml.safe_load(POLICIES_FILE.read_text(encoding="utf-8"))
    rows = []
    for category, parts in spec["categories"].items():
        for region in Region:
            plain = region in spec["no_return_exchange"]
            rows.append({**spec["defaults"], **parts, "category": category, "region": str(region),
                         **({"return_days": 0, "exchange_days": 0} if plain else {})})
    return rows


# ---- policies ---------------------------------------------------------------------------

async def list_policies(*, db_session: AsyncSession) -> list[WarrantyPolicy]:
    return list((await db_session.execute(
        select(WarrantyPolicy).order_by(WarrantyPolicy.category, WarrantyPolicy.region)
    )).scalars())


async def put_policy(*, db_session: AsyncSession, category: str, region: Region, data: PolicyIn,
                     actor: str) -> WarrantyPolicy:
    policy = (await db_session.execute(select(WarrantyPolicy).where(
        WarrantyPolicy.category == category, WarrantyPolicy.region == str(region)
    ))).scalar_one_or_none()
    if policy is None:
        policy = WarrantyPolicy(category=category, region=str(region))
        db_session.add(policy)
    for field, value in data.model_dump().items():
        setattr(policy, field, value)
    policy.updated_by = actor
    await db_session.commit()
    await db_session.refresh(policy)
    return policy


async def _policies(db_session: AsyncSession) -> dict[tuple[str, str], WarrantyPolicy]:
    return {(p.category, p.region): p for p in await list_policies(db_session=db_session)}


# ---- products ---------------------------------------------------------------------------

def _today(timezone: str) -> date:
    return local_now(timezone).date()


def normalised_serial(serial: str | None) -> str | None:
    """Serial numbers as typed vary in case, spacing and dashes: `sn 12 ab-3` is SN12AB3."""
    value = re.sub(r"[\s\-‐-―－]+", "", serial or "").upper()
    return value or None


def _check_dates(values: dict, today: date) -> None:
    for field in ("purchase_date", "installed_on"):
        if (day := values.get(field)) is not None and day > today:
            raise DateInTheFuture(f"{field} is after today")


def view(product: CustomerProduct, policy: WarrantyPolicy | None, today: date) -> ProductOut:
    terms = warranty.Terms(
        policy.whole_unit_months, policy.main_parts_months, policy.return_days,
        policy.exchange_days, policy.safe_use_years) if policy else None
    status = warranty.status(product.purchase_date, terms, today)
    return ProductOut.model_validate({
        **{column: getattr(product, column) for column in ProductOut.model_fields
           if column != "warranty"},
        "warranty": Warranty(
            coverage=status.coverage, whole_unit_until=status.whole_unit_until,
            main_parts=policy.main_parts if policy else [],
            main_parts_until=status.main_parts_until, return_until=status.return_until,
            exchange_until=status.exchange_until,
            safe_use_years=policy.safe_use_years if policy else None,
            safe_use_until=status.safe_use_until),
    })


async def views(db_session: AsyncSession, products: list[CustomerProduct],
                timezone: str) -> list[ProductOut]:
    policies, today = await _policies(db_session), _today(timezone)
    return [view(p, policies.get((p.category, p.region)), today) for p in products]


async def register(*, db_session: AsyncSession, channel: str, chat_id: str, data: ProductIn,
                   timezone: str, source: Source = Source.customer
                   ) -> tuple[CustomerProduct, bool]:
    """The product, and whether it is new. The same customer registering a serial number they
    hold already gets that product back (a retried request, or twice by mistake); a serial
    number someone else holds is registered and flagged (`duplicate_of`) for staff."""
    values = data.model_dump()
    values["serial"] = normalised_serial(values["serial"])
    _check_dates(values, _today(timezone))
    customer = await customer_service.get_or_create_by_chat(
        db_session=db_session, channel=channel, chat_id=chat_id)
    first = None
    if values["serial"]:
        held = list((await db_session.execute(
            select(CustomerProduct).where(CustomerProduct.serial == values["serial"])
            .order_by(CustomerProduct.id))).scalars())
        if own := [p for p in held if p.customer_id == customer.id]:
            await db_session.commit()
            return own[0], False
        first = held[0] if held else None
    product = CustomerProduct(**values, customer_id=customer.id, source=str(source),
                              duplicate_of=first.id if first else None)
    db_session.add(product)
    await db_session.commit()
    await db_session.refresh(product)
    return product, True


async def list_for_chat(*, db_session: AsyncSession, channel: str,
                        chat_id: str) -> list[CustomerProduct]:
    customer = await customer_service.get_by_chat(db_session=db_session, channel=channel,
                                                  chat_id=chat_id)
    if customer is None:
        return []
    return list((await db_session.execute(
        select(CustomerProduct).where(CustomerProduct.customer_id == customer.id)
        .order_by(CustomerProduct.id))).scalars())


async def get(*, db_session: AsyncSession, product_id: int) -> CustomerProduct:
    product = await db_session.get(CustomerProduct, product_id)
    if product is None:
        raise NotFound("no such product")
    return product


async def update(*, db_session: AsyncSession, product_id: int, patch: ProductPatch,
                 timezone: str) -> CustomerProduct:
    product = await get(db_session=db_session, product_id=product_id)
    values = patch.model_dump(exclude_unset=True)
    if "serial" in values:
        values["serial"] = normalised_serial(values["serial"])
    _check_dates(values, _today(timezone))
    for field, value in values.items():
        if field in ("category", "region") and value is None:
            continue  # required columns: null means "unchanged"
        setattr(product, field, value)
    await db_session.commit()
    await db_session.refresh(product)
    return product
