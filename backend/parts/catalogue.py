"""The parts catalogue: kept by admins, read by all staff, searched by number, name and
category. A part's kind agrees with the warranty policies of its categories where they name
it (`policy_name` among a policy's main or wearing parts)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.errors import NotFound
from backend.kernel.database import utcnow
from backend.knowledge.enums import PRODUCTS, canonical_product, product_category
from backend.parts.enums import PartKind
from backend.parts.errors import PartNumberTaken, PartRefused
from backend.parts.models import Part, PartCategory
from backend.parts.schemas import PartFields, PartIn, normalised_number
from backend.products.models import WarrantyPolicy

log = logging.getLogger(__name__)


async def policy_kind(db_session: AsyncSession, categories: list[str],
                      policy_name: str | None) -> PartKind | None:
    """What the warranty policies of these categories (any region) call a part of this name:
    main, wearing, or None when none names it (or they disagree)."""
    if not policy_name:
        return None
    policies = (await db_session.execute(
        select(WarrantyPolicy).where(WarrantyPolicy.category.in_(categories)))).scalars()
    kinds = set()
    for policy in policies:
        if policy_name in (policy.main_parts or []):
            kinds.add(PartKind.main)
        if policy_name in (policy.wearing_parts or []):
            kinds.add(PartKind.wearing)
    return kinds.pop() if len(kinds) == 1 else None


async def _kind(db_session: AsyncSession, data: PartFields) -> PartKind:
    """The kind given, checked against the policies; else theirs; else other."""
    named = await policy_kind(db_session, data.categories, data.policy_name)
    if data.kind is None:
        return named or PartKind.other
    if named is not None and data.kind != named:
        raise PartRefused(f"kind {data.kind} disagrees with the warranty policies of "
                          f"{', '.join(data.categories)}, which name {data.policy_name} a "
                          f"{named} part")
    return data.kind


def fits(part: Part, product: str | None) -> None:
    """PartRefused when a ticket about `product` (a category in any spelling, or something
    else) is about a category the part does not fit."""
    category = canonical_product(product or "")
    if category in PRODUCTS and category not in part.categories:
        raise PartRefused(f"part {part.number} fits {', '.join(part.categories)}, not "
                          f"{category}")


def _query() -> Any:
    return select(Part).options(selectinload(Part.fits))


async def get(*, db_session: AsyncSession, number: str) -> Part:
    """The part of this number (any case); NotFound."""
    part = (await db_session.execute(
        _query().where(Part.number == normalised_number(number)))).scalar_one_or_none()
    if part is None:
        raise NotFound("no such part")
    return part


async def get_active(*, db_session: AsyncSession, number: str) -> Part:
    """The part, if it is still in the catalogue; NotFound, PartRefused (deactivated)."""
    part = await get(db_session=db_session, number=number)
    if not part.active:
        raise PartRefused(f"part {part.number} is no longer in the catalogue")
    return part


async def search(*, db_session: AsyncSession, q: str | None = None,
                 category: str | None = None, kind: PartKind | None = None,
                 active: bool | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[Part], int]:
    """Parts whose number or a name contains `q` (case-insensitive), of a category (any
    spelling: 冷氣), of a kind; by part number."""
    conditions: list[Any] = []
    if q and q.strip():
        text = q.strip().lower()
        conditions.append(or_(*(func.lower(column).contains(text, autoescape=True)
                                for column in (Part.number, Part.name_zh_hans,
                                               Part.name_zh_hant, Part.name_en))))
    if category is not None:
        try:
            canonical = product_category(category)
        except ValueError as error:
            raise PartRefused(str(error)) from None
        conditions.append(Part.id.in_(select(PartCategory.part_id)
                                      .where(PartCategory.category == canonical)))
    if kind is not None:
        conditions.append(Part.kind == str(kind))
    if active is not None:
        conditions.append(Part.active.is_(active))
    total = (await db_session.execute(
        select(func.count()).select_from(Part).where(*conditions))).scalar_one()
    parts = (await db_session.execute(
        _query().where(*conditions).order_by(Part.number).limit(limit).offset(offset)
    )).scalars()
    return list(parts), total


def _apply(part: Part, data: PartFields, kind: PartKind, actor: str) -> None:
    values = data.model_dump(exclude={"categories", "kind", "number"})
    for field, value in values.items():
        setattr(part, field, value)
    part.kind = str(kind)
    wanted = set(data.categories)
    part.fits = ([fit for fit in part.fits if fit.category in wanted]
                 + [PartCategory(category=c) for c in data.categories
                    if c not in {fit.category for fit in part.fits}])
    part.updated_by = actor
    part.updated_at = utcnow()


async def create(*, db_session: AsyncSession, data: PartIn, actor: str) -> Part:
    """A new catalogue entry; PartNumberTaken, PartRefused (a kind the policies contradict).
    Commits."""
    if (await db_session.execute(select(Part.id).where(Part.number == data.number))
            ).scalar_one_or_none() is not None:
        raise PartNumberTaken(f"part {data.number} exists already")
    kind = await _kind(db_session, data)
    part = Part(number=data.number, fits=[])
    _apply(part, data, kind, actor)
    db_session.add(part)
    try:
        await db_session.commit()
    except IntegrityError:  # the same number added at the same moment
        await db_session.rollback()
        raise PartNumberTaken(f"part {data.number} exists already") from None
    log.info("part %s added by %s", part.number, actor)
    return await get(db_session=db_session, number=part.number)


async def update(*, db_session: AsyncSession, number: str, data: PartFields,
                 actor: str) -> Part:
    """Replace a part's fields (its number stays); NotFound, PartRefused. Commits. A use
    recorded earlier keeps the warranty end it had."""
    part = await get(db_session=db_session, number=number)
    kind = await _kind(db_session, data)
    _apply(part, data, kind, actor)
    await db_session.commit()
    log.info("part %s changed by %s", part.number, actor)
    return await get(db_session=db_session, number=part.number)


async def deactivate(*, db_session: AsyncSession, number: str, actor: str) -> None:
    """Take a part out of the catalogue (the ledger keeps referring to it); NotFound."""
    part = await get(db_session=db_session, number=number)
    part.active, part.updated_by, part.updated_at = False, actor, utcnow()
    await db_session.commit()
    log.info("part %s deactivated by %s", part.number, actor)
