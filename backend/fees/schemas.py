"""What the fee-standard API takes and gives. Amounts are decimals in the currency's major
units ("30.00"; at most two decimal places, never a float inside), stored as integer minor
units (backend/kernel/money.py)."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from backend.fees.enums import RepairType
from backend.fees.models import FeeItem, FeeStandard
from backend.kernel.money import Currency, to_major
from backend.knowledge.enums import PRODUCTS, product_category
from backend.products.enums import Region
from backend.text import NoControl

MAX_AMOUNT = Decimal("1000000")
MAX_ITEMS = 500
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, decimal_places=2,
                                  description="in major units (元, HK$, NT$), at most 2 "
                                              "decimal places", examples=["30.00"])]
Name = Annotated[str, Field(min_length=1, max_length=100), NoControl]
Reason = Annotated[str, Field(min_length=1, max_length=500), NoControl]
# Upper case letters, digits, `-` and `_`: AC-GAS. Typed in any case; stored upper case.
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{0,31}$"
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=CODE_PATTERN)]
BaseVersion = Annotated[int | None, Field(
    default=None, ge=1, le=2**31 - 1,
    description="the version the change was made on: 409 if another change came first")]


def normalised_code(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class Names(BaseModel):
    """An item's name in each language; none may be missing or blank."""

    model_config = ConfigDict(populate_by_name=True)

    zh_hans: Name = Field(alias="zh-Hans")
    zh_hant: Name = Field(alias="zh-Hant")
    en: Name

    _trimmed = field_validator("zh_hans", "zh_hant", "en", mode="before")(_stripped)


class ItemFields(BaseModel):
    """A labour item but its code."""

    category: Annotated[str, Field(min_length=1, max_length=20), NoControl] = Field(
        description=f"a product category ({', '.join(PRODUCTS)}), in any spelling")
    repair_type: RepairType
    names: Names
    price: Amount

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        return product_category(value)


class ItemIn(ItemFields):
    code: Code

    _code = field_validator("code", mode="before")(normalised_code)


class ItemChange(ItemFields):
    """One item set (added, or changed: PUT …/items/{code}), with why."""

    reason: Reason
    base_version: BaseVersion = None

    _reason = field_validator("reason", mode="before")(_stripped)


class StandardIn(BaseModel):
    """A region's whole standard, as it is to be from now on, with why. Refused (422, naming
    the field): a negative or over-precise amount, an item without its three names, a code
    twice."""

    visit_fee: Amount
    declined_quote_pays_visit: StrictBool
    items: Annotated[list[ItemIn], Field(max_length=MAX_ITEMS)]
    reason: Reason
    base_version: BaseVersion = None

    _reason = field_validator("reason", mode="before")(_stripped)

    @model_validator(mode="after")
    def _codes_unique(self) -> StandardIn:
        counts = Counter(item.code for item in self.items)
        if twice := sorted(code for code, n in counts.items() if n > 1):
            raise ValueError(f"an item code is unique in its region: {', '.join(twice)} "
                             "given twice")
        return self


class ItemOut(BaseModel):
    code: str
    category: str
    repair_type: RepairType
    names: Names
    price: Decimal

    @classmethod
    def of(cls, item: FeeItem, currency: str) -> ItemOut:
        return cls(code=item.code, category=item.category,
                   repair_type=RepairType(item.repair_type),
                   names=Names.model_validate({"zh-Hans": item.name_zh_hans,
                                               "zh-Hant": item.name_zh_hant,
                                               "en": item.name_en}),
                   price=to_major(item.price, currency))


class VersionHead(BaseModel):
    """Which version, since when, by whom and why."""

    region: Region
    version: int
    currency: Currency
    effective_from: datetime.datetime
    changed_by: str
    reason: str


class StandardOut(VersionHead):
    visit_fee: Decimal
    declined_quote_pays_visit: bool
    items: list[ItemOut]

    @classmethod
    def of(cls, standard: FeeStandard) -> StandardOut:
        currency = standard.currency
        return cls(region=Region(standard.region), version=standard.version,
                   currency=Currency(currency), effective_from=standard.effective_from,
                   changed_by=standard.changed_by, reason=standard.reason,
                   visit_fee=to_major(standard.visit_fee, currency),
                   declined_quote_pays_visit=standard.declined_quote_pays_visit,
                   items=[ItemOut.of(item, currency) for item in standard.items])


class Change(BaseModel):
    """One difference from the version before: the visit fee or the declined-quote rule
    changed, an item added, removed or changed (its price, or else its other fields)."""

    what: Literal["visit_fee", "declined_quote_pays_visit", "item_added", "item_removed",
                  "item_changed"]
    code: str | None = None
    before: str | None = None
    after: str | None = None


class VersionOut(VersionHead):
    """A version in the history, with what it changed."""

    changes: list[Change]
