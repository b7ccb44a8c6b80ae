"""What a quote charges: the visit fee and labour items of the fee standard in force in the
ticket's region, parts at the catalogue's price in the region's currency; each line free, with
why, when the warranty covers it.

What is free (GB/T 27922 5.32; the Mainland's 三包 rules, which Hong Kong's and Taiwan's
policies follow here):
- the product under its whole-unit warranty: a repair's visit, the labour of repairs
  (diagnosis, minor and major repair, refrigerant recharge: not installing, removing or moving
  it, which no warranty covers) and every part but the wearing parts (易损件, which the
  warranty does not cover);
- only its main parts still covered: a main part (主要部件) itself; the visit and the labour
  are charged;
- a part replaced before on the same product failing again within its own parts warranty
  (配件保修, `parts.usage.free_replacement`): that part.
The product's cover is the one the repair ticket recorded the day it was opened (the fault was
reported then); a ticket without it (an installation, a purchase date given since) asks the
linked product's cover today; no product or no purchase date: nothing is free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import NotFound
from backend.fees import service as fee_service
from backend.fees.enums import RepairType
from backend.fees.models import FeeStandard
from backend.kernel import business_calendar
from backend.kernel.database import utcnow
from backend.knowledge.enums import PRODUCTS, canonical_product
from backend.knowledge.fee_answers import TEMPLATES_FILE
from backend.knowledge.warranty_facts import region_of_city
from backend.parts import catalogue
from backend.parts import usage as parts_usage
from backend.parts.enums import PartKind
from backend.parts.errors import PartRefused
from backend.parts.models import Part
from backend.products.enums import Coverage, Region
from backend.products.models import CustomerProduct
from backend.products.tickets import warranty_snapshot
from backend.quotes.enums import LineKind, WarrantyReason
from backend.quotes.errors import QuoteRefused
from backend.tickets.enums import TicketType
from backend.tickets.models import Ticket

# The largest total a quote records, in minor units (the columns are 32-bit integers):
# 21 million yuan.
MAX_TOTAL = 2**31 - 1
# The labour the product's warranty covers: repairs (not installing, removing, moving it).
REPAIRS = frozenset({RepairType.diagnosis, RepairType.minor_repair, RepairType.major_repair,
                     RepairType.refrigerant_recharge})
# (fee item code or part number, quantity)
Wanted = Sequence[tuple[str, int]]


@dataclass(frozen=True)
class Line:
    kind: LineKind
    code: str | None
    names: tuple[str, str, str]  # zh-Hans, zh-Hant, en
    quantity: int
    unit_price: int
    amount: int
    in_warranty: bool = False
    warranty_reason: WarrantyReason | None = None
    warranty_until: date | None = None
    earlier_ticket: str | None = None


@dataclass(frozen=True)
class Priced:
    region: Region
    standard: FeeStandard
    lines: list[Line]
    declined_charge: int  # the visit fee, if the standard charges it on a decline

    @property
    def currency(self) -> str:
        return self.standard.currency

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class Cover:
    """The product's warranty as a quote reads it."""

    coverage: Coverage
    whole_unit_until: date | None = None
    main_parts_until: date | None = None


@cache
def _visit_words() -> dict[str, dict[str, str]]:
    """The visit fee's name per language, and per region where it has its own (到府費): the
    fee answers' wording (backend/knowledge/fees.yml)."""
    templates = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))["templates"]
    return {language: {key: value for key, value in spec.items()
                       if key.split("@")[0] == "visit_word"}
            for language, spec in templates.items()}


def visit_names(region: Region) -> tuple[str, str, str]:
    words = _visit_words()

    def word(language: str) -> str:
        own = words[language]
        return own.get(f"visit_word@{region}", own["visit_word"])

    english = word("en")
    return word("zh-Hans"), word("zh-Hant"), english[:1].upper() + english[1:]


async def _product(db_session: AsyncSession, ticket: Ticket) -> CustomerProduct | None:
    if ticket.product_id is None:
        return None
    return await db_session.get(CustomerProduct, ticket.product_id)


async def region_of(db_session: AsyncSession, ticket: Ticket, asked: Region | None) -> Region:
    """The region whose fee standard prices the ticket: as asked; else where its product was
    bought; else that of the ticket's city; else the Mainland."""
    if asked is not None:
        return asked
    product = await _product(db_session, ticket)
    if product is not None:
        return Region(product.region)
    return Region(region_of_city(ticket.city) or Region.mainland)


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


async def cover_of(db_session: AsyncSession, ticket: Ticket, on: date) -> Cover:
    snapshot = ticket.warranty or {}
    if snapshot.get("coverage") in (None, Coverage.unknown):
        product = await _product(db_session, ticket)
        if product is not None:
            snapshot = await warranty_snapshot(db_session, product, on)
    return Cover(Coverage(snapshot.get("coverage") or Coverage.unknown),
                 whole_unit_until=_day(snapshot.get("whole_unit_until")),
                 main_parts_until=_day(snapshot.get("main_parts_until")))


def _category(ticket: Ticket) -> str | None:
    category = canonical_product(ticket.product or "")
    return category if category in PRODUCTS else None


def _labour(standard: FeeStandard, code: str, quantity: int, category: str | None,
            cover: Cover, region: Region) -> Line:
    item = next((i for i in standard.items if i.code == code.strip().upper()), None)
    if item is None:
        raise QuoteRefused(f"no labour item {code} in the fee standard of {region} "
                           f"(version {standard.version})")
    if category is not None and item.category != category:
        raise QuoteRefused(f"{item.code} is a labour item for {item.category}; the ticket is "
                           f"about {category}")
    free = cover.coverage == Coverage.whole_unit and item.repair_type in REPAIRS
    return Line(LineKind.labour, item.code, (item.name_zh_hans, item.name_zh_hant, item.name_en),
                quantity, item.price, 0 if free else item.price * quantity, free,
                WarrantyReason.product_warranty if free else None,
                cover.whole_unit_until if free else None)


def _part_price(part: Part, currency: str) -> int:
    price = {"CNY": part.price_cny, "HKD": part.price_hkd, "TWD": part.price_twd}[currency]
    if price is None:
        raise QuoteRefused(f"part {part.number} has no price in {currency}")
    return price


async def _part(db_session: AsyncSession, ticket: Ticket, number: str, quantity: int,
                currency: str, cover: Cover, on: date) -> Line:
    try:
        part = await catalogue.get_active(db_session=db_session, number=number)
        catalogue.fits(part, ticket.product)
    except (NotFound, PartRefused) as error:
        raise QuoteRefused(str(error)) from None
    price = _part_price(part, currency)
    names = (part.name_zh_hans, part.name_zh_hant or part.name_zh_hans,
             part.name_en or part.name_zh_hans)
    reason, until, earlier = None, None, None
    if cover.coverage == Coverage.whole_unit and part.kind != PartKind.wearing:
        reason, until = WarrantyReason.product_warranty, cover.whole_unit_until
    elif cover.coverage == Coverage.main_parts_only and part.kind == PartKind.main:
        reason, until = WarrantyReason.main_parts_warranty, cover.main_parts_until
    elif (again := await parts_usage.free_replacement(
            db_session=db_session, part_number=part.number, on=on, ticket=ticket)) is not None:
        reason, until = WarrantyReason.free_replacement, again.warranty_until
        earlier = again.ticket_number
    free = reason is not None
    return Line(LineKind.part, part.number, names, quantity, price,
                0 if free else price * quantity, free, reason, until, earlier)


async def price(*, db_session: AsyncSession, ticket: Ticket, region: Region, visit: bool,
                items: Wanted, parts: Wanted, at: datetime | None = None) -> Priced:
    """The lines of the work asked for, priced by the region's standard in force `at` (now)
    and the catalogue, each free with why where the warranty covers it. QuoteRefused: an
    unknown or another appliance's labour code, a part not in the catalogue, not fitting the
    ticket's appliance or without a price in the currency; no standard for the region."""
    at = at or utcnow()
    on = business_calendar.current().local_date(at)
    try:
        standard = await fee_service.in_force(db_session=db_session, region=region, at=at)
    except NotFound as error:
        raise QuoteRefused(str(error)) from None
    cover = await cover_of(db_session, ticket, on)
    category = _category(ticket)
    lines: list[Line] = []
    if visit:
        free = cover.coverage == Coverage.whole_unit and ticket.type == TicketType.repair
        lines.append(Line(LineKind.visit, None, visit_names(region), 1, standard.visit_fee,
                          0 if free else standard.visit_fee, free,
                          WarrantyReason.product_warranty if free else None,
                          cover.whole_unit_until if free else None))
    for code, quantity in items:
        lines.append(_labour(standard, code, quantity, category, cover, region))
    for number, quantity in parts:
        lines.append(await _part(db_session, ticket, number, quantity, standard.currency,
                                 cover, on))
    if sum(line.unit_price * line.quantity for line in lines) > MAX_TOTAL:
        raise QuoteRefused("a quote's total cannot be that large: quote fewer units")
    visit_charged = sum(line.amount for line in lines if line.kind == LineKind.visit)
    declined = visit_charged if standard.declined_quote_pays_visit else 0
    return Priced(region, standard, lines, declined)
