"""The fee standard: per region, versions never changed once written. An admin's change (the
whole standard, one item set, one item removed) writes the next version, in force from now,
with who and why; the version in force at any moment stays readable, so a quote can say which
version priced it. Two changes made on the same version: the second is refused (409), never
silently merged.

The knowledge base's fee answers read the version in force through their own view of the
tables (backend/knowledge/fee_facts.py), with the rule of `in_force`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import NotFound
from backend.fees.enums import CURRENCIES
from backend.fees.models import FeeItem, FeeStandard
from backend.fees.schemas import (
    CODE_PATTERN,
    Change,
    ItemChange,
    ItemFields,
    StandardIn,
    VersionOut,
    normalised_code,
)
from backend.kernel.database import utcnow
from backend.kernel.money import Currency, shown, to_minor
from backend.products.enums import Region

log = logging.getLogger(__name__)

ITEM_FIELDS = ("category", "repair_type", "name_zh_hans", "name_zh_hant", "name_en", "price")


class FeeRefused(ValueError):
    """A change the fee standard refuses (an item code that cannot be one). 422."""


class StaleVersion(Exception):
    """The standard changed since the version the change was made on. 409."""


def moment(at: date | datetime | None, timezone: str) -> datetime:
    """The instant a GET asks about: now; a datetime as given (naive: in `timezone`); a
    date: the end of that day in `timezone` (what was in force by its close)."""
    if at is None:
        return utcnow()
    zone = ZoneInfo(timezone)
    if isinstance(at, datetime):
        value = at if at.tzinfo is not None else at.replace(tzinfo=zone)
    else:
        value = datetime.combine(at, time.max, tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # the first or the last day there is: as early or late as can be
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)


def checked_code(value: str) -> str:
    """An item code from a path, in any case: upper case; FeeRefused if it cannot be one."""
    code = str(normalised_code(value))
    if not re.fullmatch(CODE_PATTERN, code):
        raise FeeRefused("an item code is 1–32 letters, digits, '-' or '_' (AC-GAS)")
    return code


# ---- reading ------------------------------------------------------------------------------

async def in_force(*, db_session: AsyncSession, region: Region, at: datetime) -> FeeStandard:
    """The region's highest version whose `effective_from` is not after `at`. NotFound when
    none was yet."""
    standard = (await db_session.execute(
        select(FeeStandard).where(FeeStandard.region == str(region),
                                  FeeStandard.effective_from <= at)
        .order_by(FeeStandard.version.desc()).limit(1))).scalar_one_or_none()
    if standard is None:
        raise NotFound(f"no fee standard for {region} was in force then")
    return standard


async def all_in_force(*, db_session: AsyncSession, at: datetime) -> list[FeeStandard]:
    """Each region's version in force at `at` (regions with none then are left out)."""
    found = []
    for region in Region:
        try:
            found.append(await in_force(db_session=db_session, region=region, at=at))
        except NotFound:
            continue
    return found


async def get_version(*, db_session: AsyncSession, region: Region,
                      version: int) -> FeeStandard:
    standard = (await db_session.execute(select(FeeStandard).where(
        FeeStandard.region == str(region), FeeStandard.version == version))
    ).scalar_one_or_none()
    if standard is None:
        raise NotFound("no such version of the fee standard")
    return standard


async def versions(*, db_session: AsyncSession, region: Region) -> list[FeeStandard]:
    """Every version of the region's standard, oldest first."""
    return list((await db_session.execute(
        select(FeeStandard).where(FeeStandard.region == str(region))
        .order_by(FeeStandard.version))).scalars())


async def _latest(db_session: AsyncSession, region: Region) -> FeeStandard:
    latest = (await db_session.execute(
        select(func.max(FeeStandard.version)).where(FeeStandard.region == str(region))
    )).scalar_one_or_none()
    if latest is None:
        raise NotFound(f"no fee standard for {region}")
    return await get_version(db_session=db_session, region=region, version=latest)


# ---- history ------------------------------------------------------------------------------

def _item_values(item: FeeItem) -> tuple:
    return tuple(getattr(item, field) for field in ITEM_FIELDS)


def changes(before: FeeStandard | None, after: FeeStandard) -> list[Change]:
    """What `after` changed from the version before it (everything is new in the first)."""
    currency = after.currency
    money = lambda minor: shown(minor, currency)  # noqa: E731
    if before is None:
        return [Change(what="item_added", code=i.code, after=money(i.price)) for i in after.items]
    found = []
    if before.visit_fee != after.visit_fee:
        found.append(Change(what="visit_fee", before=money(before.visit_fee),
                            after=money(after.visit_fee)))
    if before.declined_quote_pays_visit != after.declined_quote_pays_visit:
        found.append(Change(what="declined_quote_pays_visit",
                            before=str(before.declined_quote_pays_visit).lower(),
                            after=str(after.declined_quote_pays_visit).lower()))
    old = {item.code: item for item in before.items}
    new = {item.code: item for item in after.items}
    for code, item in new.items():
        if code not in old:
            found.append(Change(what="item_added", code=code, after=money(item.price)))
        elif _item_values(old[code]) != _item_values(item):
            found.append(Change(what="item_changed", code=code, before=money(old[code].price),
                                after=money(item.price)))
    found += [Change(what="item_removed", code=code, before=money(item.price))
              for code, item in old.items() if code not in new]
    return found


def history(standards: Sequence[FeeStandard]) -> list[VersionOut]:
    """The versions (oldest first, as `versions` gives them), newest first, each with what
    it changed."""
    out = []
    for index, standard in enumerate(standards):
        before = standards[index - 1] if index else None
        out.append(VersionOut(
            region=Region(standard.region), version=standard.version,
            currency=Currency(standard.currency), effective_from=standard.effective_from,
            changed_by=standard.changed_by, reason=standard.reason,
            changes=changes(before, standard)))
    return out[::-1]


# ---- changing -----------------------------------------------------------------------------

def _row(item: ItemFields, code: str, currency: str) -> dict:
    return {"code": code, "category": item.category, "repair_type": str(item.repair_type),
            "name_zh_hans": item.names.zh_hans, "name_zh_hant": item.names.zh_hant,
            "name_en": item.names.en, "price": to_minor(item.price, currency)}


def _copied(items: Iterable[FeeItem]) -> list[dict]:
    return [{"code": item.code, **dict(zip(ITEM_FIELDS, _item_values(item)))} for item in items]


async def _write(db_session: AsyncSession, region: Region, *, visit_fee: int,
                 declined_quote_pays_visit: bool, items: list[dict], reason: str, actor: str,
                 base_version: int | None) -> FeeStandard:
    """The next version, in force from now; the latest unchanged when nothing changes."""
    latest = await _latest(db_session, region)
    if base_version is not None and base_version != latest.version:
        raise StaleVersion(f"the fee standard of {region} changed since version "
                           f"{base_version} (now {latest.version}): reload and try again")
    unchanged = (visit_fee == latest.visit_fee
                 and declined_quote_pays_visit == latest.declined_quote_pays_visit
                 and sorted(map(_sorted_row, items)) == sorted(map(_sorted_row,
                                                                   _copied(latest.items))))
    if unchanged:
        return latest
    standard = FeeStandard(
        region=str(region), version=latest.version + 1, currency=latest.currency,
        visit_fee=visit_fee, declined_quote_pays_visit=declined_quote_pays_visit,
        # Never before the version it follows, whatever the clock did meanwhile.
        effective_from=max(utcnow(), latest.effective_from), changed_by=actor, reason=reason,
        items=[FeeItem(**row) for row in items])
    db_session.add(standard)
    try:
        await db_session.commit()
    except IntegrityError:  # another admin's change took this version number first
        await db_session.rollback()
        raise StaleVersion(f"the fee standard of {region} was changed meanwhile: reload and "
                           "try again") from None
    log.info("fee standard %s version %d by %s", region, standard.version, actor)
    return await get_version(db_session=db_session, region=region, version=standard.version)


def _sorted_row(row: dict) -> tuple:
    return tuple(sorted(row.items()))


async def replace(*, db_session: AsyncSession, region: Region, data: StandardIn,
                  actor: str) -> FeeStandard:
    """The region's whole standard, as given, from now on."""
    currency = str(CURRENCIES[region])
    return await _write(db_session, region, visit_fee=to_minor(data.visit_fee, currency),
                        declined_quote_pays_visit=data.declined_quote_pays_visit,
                        items=[_row(item, item.code, currency) for item in data.items],
                        reason=data.reason, actor=actor, base_version=data.base_version)


async def put_item(*, db_session: AsyncSession, region: Region, code: str, data: ItemChange,
                   actor: str) -> FeeStandard:
    """One item added (a new code) or changed, the rest as they are."""
    latest = await _latest(db_session, region)
    currency = latest.currency
    row = _row(data, checked_code(code), currency)
    items = _copied(latest.items)
    at = next((i for i, old in enumerate(items) if old["code"] == code), None)
    if at is None:
        items.append(row)
    else:
        items[at] = row
    return await _write(db_session, region, visit_fee=latest.visit_fee,
                        declined_quote_pays_visit=latest.declined_quote_pays_visit, items=items,
                        reason=data.reason, actor=actor, base_version=data.base_version)


async def remove_item(*, db_session: AsyncSession, region: Region, code: str, reason: str,
                      actor: str, base_version: int | None = None) -> FeeStandard:
    """One item taken out of the standard from now on (earlier versions keep it)."""
    if not (reason := reason.strip()):
        raise FeeRefused("a reason is needed: it is kept in the history")
    latest = await _latest(db_session, region)
    code = checked_code(code)
    items = [row for row in _copied(latest.items) if row["code"] != code]
    if len(items) == len(latest.items):
        raise NotFound(f"no item {code} in the fee standard of {region}")
    return await _write(db_session, region, visit_fee=latest.visit_fee,
                        declined_quote_pays_visit=latest.declined_quote_pays_visit, items=items,
                        reason=reason, actor=actor, base_version=base_version)
