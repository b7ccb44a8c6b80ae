"""Products: registered by the customer in the chat (or by staff), with the warranty each has
today by its category's policy; the policies themselves, kept by admins.

A serial number names one appliance: a registration of one another product holds already is
kept but flagged (`duplicate_of`: the first holder) for staff to settle: keep it (the flag
goes) or remove it. A correction that gives a product another product's serial number flags
it the same way; a product removed or renamed no longer holds its old number, so those flagged
after it point at the earliest earlier holder left, or at none. Staff changes are logged with
who made them and which fields (never the values: they may be personal); the product table has
no column for it. A registration from the chat keeps with the product the photos of its
invoice or nameplate the chat sent (backend/products/photos/store.py); a product removed
takes its photos with it."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers import service as customer_service
from backend.errors import NotFound
from backend.kernel.clock import local_now
from backend.kernel.database import utcnow
from backend.knowledge.enums import product_category
from backend.products import warranty
from backend.products.enums import Region, Source
from backend.products.models import CustomerProduct, WarrantyPolicy
from backend.products.photos import store as photo_store
from backend.products.schemas import (
    PolicyIn,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductPhotoOut,
    StaffProductOut,
    Warranty,
)

log = logging.getLogger(__name__)

POLICIES_FILE = Path(__file__).with_name("policies.yml")
# The national 三包 rules' floors (《部分商品修理更换退货责任规定》): a Mainland policy may give
# more, never less.
MAINLAND_MINIMUMS = {"whole_unit_months": 12, "main_parts_months": 36, "return_days": 7,
                     "exchange_days": 15}


class ProductRefused(ValueError):
    """What the products domain refuses: 422 (the message says why)."""


class DateInTheFuture(ProductRefused):
    """A purchase or installation date after today. 422."""


class UnknownCategory(ProductRefused):
    """Not one of the product categories. 422."""


class DatesOutOfOrder(ProductRefused):
    """Installed before it was bought. 422."""


class PolicyRefused(ProductRefused):
    """A policy below what the law of its region requires. 422."""


def category_of(value: str) -> str:
    """The canonical category of any spelling (冷氣, fridge)."""
    try:
        return product_category(value)
    except ValueError as error:
        raise UnknownCategory(str(error)) from None


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


def check_statutory(region: Region, data: PolicyIn) -> None:
    """PolicyRefused when a Mainland policy gives less than 三包 (whole unit 12 months, named
    main parts 36, return 7 days, exchange 15). Hong Kong and Taiwan have no such floors."""
    if region != Region.mainland:
        return
    given = data.model_dump()
    if data.main_parts:
        given["main_parts_months"] = data.main_parts_months or data.whole_unit_months
    short = [f"{field} at least {floor}" for field, floor in MAINLAND_MINIMUMS.items()
             if given[field] is not None and given[field] < floor]
    if short:
        raise PolicyRefused("below the Mainland's 三包 minimums: " + ", ".join(short))


async def put_policy(*, db_session: AsyncSession, category: str, region: Region, data: PolicyIn,
                     actor: str) -> WarrantyPolicy:
    check_statutory(region, data)
    policy = (await db_session.execute(select(WarrantyPolicy).where(
        WarrantyPolicy.category == category, WarrantyPolicy.region == str(region)
    ))).scalar_one_or_none()
    if policy is None:
        policy = WarrantyPolicy(category=category, region=str(region))
        db_session.add(policy)
    for field, value in data.model_dump().items():
        setattr(policy, field, value)
    policy.updated_by = actor
    policy.updated_at = utcnow()  # also when nothing else changed: it was looked at and saved
    await db_session.commit()
    await db_session.refresh(policy)
    log.info("warranty policy %s/%s set by %s", category, region, actor)
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
    """`values`: the product's dates as they will be (a correction merged with the stored)."""
    for field in ("purchase_date", "installed_on"):
        if (day := values.get(field)) is not None and day > today:
            raise DateInTheFuture(f"{field} is after today")
    bought, installed = values.get("purchase_date"), values.get("installed_on")
    if bought and installed and installed < bought:
        raise DatesOutOfOrder("installed_on must not be before purchase_date")


def terms_of(policy: WarrantyPolicy | None) -> warranty.Terms | None:
    """The parts of a policy a product's dates come from (None: no policy, dates unknown)."""
    return warranty.Terms(policy.whole_unit_months, policy.main_parts_months,
                          policy.return_days, policy.exchange_days,
                          policy.safe_use_years) if policy else None


def view(product: CustomerProduct, policy: WarrantyPolicy | None, today: date) -> ProductOut:
    status = warranty.status(product.purchase_date, terms_of(policy), today)
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
                   timezone: str, source: Source = Source.customer,
                   photos: Collection[str] = ()) -> tuple[CustomerProduct, bool]:
    """The product, and whether it is new. The same customer registering a serial number they
    hold already gets that product back (a retried request, or twice by mistake); a serial
    number someone else holds is registered and flagged (`duplicate_of`) for staff. The
    customer's photos named by `photos` (tokens) are kept with the product, in the same
    transaction; another customer's are not."""
    values = data.model_dump(include=set(ProductIn.model_fields))
    values["serial"] = normalised_serial(values["serial"])
    _check_dates(values, _today(timezone))
    customer = await customer_service.get_or_create_by_chat(
        db_session=db_session, channel=channel, chat_id=chat_id)
    return await _add(db_session, customer.id, values, source, photos)


async def _add(db_session: AsyncSession, customer_id: int, values: dict, source: Source,
               photos: Collection[str] = ()) -> tuple[CustomerProduct, bool]:
    first = product = None
    if values["serial"]:
        held = list((await db_session.execute(
            select(CustomerProduct).where(CustomerProduct.serial == values["serial"])
            .order_by(CustomerProduct.id))).scalars())
        if own := [p for p in held if p.customer_id == customer_id]:
            product = own[0]
        else:
            first = held[0] if held else None
    new = product is None
    if product is None:
        product = CustomerProduct(**values, customer_id=customer_id, source=str(source),
                                  duplicate_of=first.id if first else None)
        db_session.add(product)
        await db_session.flush()
    await photo_store.link(db_session, customer_id=customer_id, product_id=product.id,
                           tokens=photos)
    await db_session.commit()
    if new:
        await db_session.refresh(product)
    return product, new


async def add_for_customer(*, db_session: AsyncSession, customer_id: int, data: ProductIn,
                           timezone: str, actor: str) -> tuple[CustomerProduct, bool]:
    """Staff register a product for a customer (source staff); as `register` for a serial
    number held already. NotFound; CustomerAnonymised for an erased customer."""
    customer = await customer_service.get(db_session=db_session, customer_id=customer_id)
    if customer.anonymised_at is not None:
        raise customer_service.CustomerAnonymised(
            "this customer's personal data was erased: nothing is added to it")
    values = data.model_dump()
    values["serial"] = normalised_serial(values["serial"])
    _check_dates(values, _today(timezone))
    product, new = await _add(db_session, customer.id, values, Source.staff)
    if new:
        _logged(product, "added", actor, values)
    return product, new


def _logged(product: CustomerProduct, action: str, actor: str, fields: dict | None = None) -> None:
    """Who changed which product and which fields: names only, never the values."""
    log.info("product %d of customer %d %s by %s%s", product.id, product.customer_id, action,
             actor, f" ({', '.join(sorted(f for f in fields if fields[f] is not None))})"
             if fields else "")


async def list_for_customer(*, db_session: AsyncSession,
                            customer_id: int) -> list[CustomerProduct]:
    """A customer's products, oldest first; NotFound for no such customer."""
    await customer_service.get(db_session=db_session, customer_id=customer_id)
    return list((await db_session.execute(
        select(CustomerProduct).where(CustomerProduct.customer_id == customer_id)
        .order_by(CustomerProduct.id))).scalars())


async def staff_views(db_session: AsyncSession, products: list[CustomerProduct],
                      timezone: str) -> list[StaffProductOut]:
    """The products with their warranty, whose they are and whose the first holder of a
    flagged serial number is."""
    firsts = {p.duplicate_of for p in products if p.duplicate_of}
    holders: dict[int, int] = {}
    if firsts:
        holders = {row[0]: row[1] for row in (await db_session.execute(
            select(CustomerProduct.id, CustomerProduct.customer_id)
            .where(CustomerProduct.id.in_(firsts)))).all()}
    photos = await photo_store.of_products(db_session=db_session,
                                           product_ids=[p.id for p in products])
    return [StaffProductOut(**out.model_dump(), customer_id=p.customer_id,
                            duplicate_customer_id=holders.get(p.duplicate_of or 0),
                            created_at=p.created_at, updated_at=p.updated_at,
                            photos=[ProductPhotoOut.model_validate(photo)
                                    for photo in photos.get(p.id, [])])
            for p, out in zip(products, await views(db_session, products, timezone))]


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
                 timezone: str, actor: str) -> CustomerProduct:
    """Correct the fields given (`category`, `region`: null means unchanged). A new serial
    number another product holds flags this one; those flagged after it move on."""
    product = await get(db_session=db_session, product_id=product_id)
    values = {field: value for field, value in patch.model_dump(exclude_unset=True).items()
              if not (field in ("category", "region") and value is None)}
    if "serial" in values:
        values["serial"] = normalised_serial(values["serial"])
    _check_dates({"purchase_date": product.purchase_date, "installed_on": product.installed_on,
                  **values}, _today(timezone))
    for field, value in values.items():
        if field != "serial":
            setattr(product, field, value)
    if "serial" in values:
        await set_serial(db_session, product, values["serial"])
    await db_session.commit()
    await db_session.refresh(product)
    _logged(product, "corrected", actor, dict.fromkeys(values, True))
    return product


async def set_serial(db_session: AsyncSession, product: CustomerProduct,
                     serial: str | None) -> None:
    """Give the product a (normalised) serial number: if it changes, the products flagged as
    duplicates of it move on, and it is flagged itself when another product holds the new one.
    Nothing is committed."""
    if serial == product.serial:
        return
    product.serial = serial
    await _repoint_after(db_session, product)
    product.duplicate_of = await _earliest_holder(db_session, product, before_it=False)


async def _earliest_holder(db_session: AsyncSession, product: CustomerProduct, *,
                           before_it: bool, excluding: int | None = None) -> int | None:
    """The earliest other product with this product's serial number (`before_it`: registered
    before it; never `excluding`), or None."""
    if not product.serial:
        return None
    statement = select(CustomerProduct.id).where(CustomerProduct.serial == product.serial,
                                                 CustomerProduct.id != product.id)
    if before_it:
        statement = statement.where(CustomerProduct.id < product.id)
    if excluding is not None:
        statement = statement.where(CustomerProduct.id != excluding)
    return (await db_session.execute(statement.order_by(CustomerProduct.id).limit(1))
            ).scalar_one_or_none()


async def _repoint_after(db_session: AsyncSession, product: CustomerProduct) -> None:
    """The products flagged as duplicates of `product`, which no longer holds their serial
    number (removed, or given another): each points at the earliest other holder registered
    before it, or at none (it is the first now)."""
    flagged = (await db_session.execute(
        select(CustomerProduct).where(CustomerProduct.duplicate_of == product.id))).scalars()
    for other in list(flagged):
        other.duplicate_of = await _earliest_holder(db_session, other, before_it=True,
                                                    excluding=product.id)


async def remove(*, db_session: AsyncSession, product_id: int, actor: str) -> None:
    """Staff remove a product (registered by mistake, sold on, a duplicate settled), with the
    photos kept with it."""
    product = await get(db_session=db_session, product_id=product_id)
    await _repoint_after(db_session, product)
    await photo_store.delete_of_product(db_session, product.id)
    await db_session.delete(product)
    await db_session.commit()
    _logged(product, "removed", actor)


async def keep(*, db_session: AsyncSession, product_id: int, actor: str) -> CustomerProduct:
    """Staff settle a flagged serial number: this registration stands (the flag goes; nothing
    changes for one not flagged)."""
    product = await get(db_session=db_session, product_id=product_id)
    if product.duplicate_of is not None:
        product.duplicate_of = None
        await db_session.commit()
        await db_session.refresh(product)
        _logged(product, "kept despite a shared serial number", actor)
    return product
