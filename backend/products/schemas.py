"""What the products API takes and gives: warranty policies, a customer's products with the
warranty each has today."""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.knowledge.enums import PRODUCTS, canonical_product
from backend.products.enums import Coverage, Region, Source
from backend.text import NoControl

Part = Annotated[str, Field(min_length=1, max_length=20), NoControl]
Parts = Annotated[list[Part], Field(max_length=20)]


class PolicyIn(BaseModel):
    whole_unit_months: int = Field(ge=1, le=240)
    main_parts: Parts = []
    main_parts_months: int | None = Field(default=None, ge=1, le=360)
    wearing_parts: Parts = []
    return_days: int = Field(default=0, ge=0, le=90)
    exchange_days: int = Field(default=0, ge=0, le=90)
    safe_use_years: int | None = Field(default=None, ge=1, le=50)


class PolicyOut(PolicyIn):
    model_config = ConfigDict(from_attributes=True)

    category: str
    region: Region
    updated_by: str | None
    updated_at: datetime.datetime


def _category(value: str) -> str:
    category = canonical_product(value)
    if category not in PRODUCTS:
        raise ValueError(f"not a product category: one of {', '.join(PRODUCTS)}")
    return category


class ProductFields(BaseModel):
    brand: Annotated[str | None, Field(max_length=50), NoControl] = None
    model: Annotated[str | None, Field(max_length=64), NoControl] = None
    serial: Annotated[str | None, Field(max_length=64), NoControl] = None
    purchase_date: datetime.date | None = None
    purchased_from: Annotated[str | None, Field(max_length=200), NoControl] = None
    installed_on: datetime.date | None = None
    install_address: Annotated[str | None, Field(max_length=300), NoControl] = None


class ProductIn(ProductFields):
    """A product as the customer registers it: the category (any spelling: 冷氣, fridge)."""

    category: Annotated[str, Field(min_length=1, max_length=20), NoControl]
    region: Region = Region.mainland

    _canonical = field_validator("category")(_category)


class ProductPatch(ProductFields):
    """What staff change: the fields given (a technician confirms the model and serial)."""

    category: Annotated[str | None, Field(min_length=1, max_length=20), NoControl] = None
    region: Region | None = None

    @field_validator("category")
    @classmethod
    def _canonical(cls, value: str | None) -> str | None:
        return None if value is None else _category(value)


class Warranty(BaseModel):
    coverage: Coverage
    whole_unit_until: datetime.date | None = None
    main_parts: list[str] = []
    main_parts_until: datetime.date | None = None
    return_until: datetime.date | None = None
    exchange_until: datetime.date | None = None
    safe_use_years: int | None = None
    safe_use_until: datetime.date | None = None


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category: str
    brand: str | None
    model: str | None
    serial: str | None
    purchase_date: datetime.date | None
    purchased_from: str | None
    installed_on: datetime.date | None
    install_address: str | None
    region: Region
    source: Source
    duplicate_of: int | None = Field(
        description="another product with this serial number, registered first: for staff to "
                    "settle")
    warranty: Warranty
