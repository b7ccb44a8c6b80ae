"""What the products API takes and gives: warranty policies, a customer's products with the
warranty each has today (and, for staff, the photos kept with each)."""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backend.knowledge.enums import product_category
from backend.products.enums import Coverage, PhotoKind, Region, Source
from backend.text import NoControl

Part = Annotated[str, Field(min_length=1, max_length=20), NoControl]
Parts = Annotated[list[Part], Field(max_length=20)]
# No appliance in use was bought before this: an earlier date is a typing slip (0202-…).
EARLIEST = datetime.date(1950, 1, 1)
Day = Annotated[datetime.date, Field(ge=EARLIEST)] | None


class PolicyIn(BaseModel):
    """A warranty policy as an admin sets it. Refused (422, naming the field): a period out of
    range (whole unit 1–120 months, main parts up to 240, 三包 windows up to 90 days, safe use
    1–30 years), main parts covered for less than the whole unit, months for main parts none
    are named, a part both main and wearing, an exchange window shorter than the return window
    (what may be returned may be exchanged), a cover longer than the safe-use life. The
    Mainland's statutory minimums need the region: backend/products/service.py."""

    whole_unit_months: int = Field(ge=1, le=120)
    main_parts: Parts = []
    main_parts_months: int | None = Field(default=None, ge=1, le=240)
    wearing_parts: Parts = []
    return_days: int = Field(default=0, ge=0, le=90)
    exchange_days: int = Field(default=0, ge=0, le=90)
    safe_use_years: int | None = Field(default=None, ge=1, le=30)

    @field_validator("main_parts", "wearing_parts", mode="before")
    @classmethod
    def _parts(cls, value: object) -> object:
        """Trimmed, blanks dropped, each once (in the order given)."""
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            return value  # refused by the type
        return list(dict.fromkeys(p.strip() for p in value if p.strip()))

    @model_validator(mode="after")
    def _consistent(self) -> PolicyIn:
        main = self.main_parts_months
        if main is not None and not self.main_parts:
            raise ValueError("main_parts_months needs the main parts it is for (main_parts)")
        if main is not None and main < self.whole_unit_months:
            raise ValueError("main_parts_months must not be shorter than whole_unit_months")
        if both := set(self.main_parts) & set(self.wearing_parts):
            raise ValueError(f"a part is either main or wearing, not both: {', '.join(both)}")
        if self.exchange_days < self.return_days:
            raise ValueError("exchange_days must not be shorter than return_days")
        if self.safe_use_years is not None:
            longest = max(self.whole_unit_months, main or 0)
            if longest > 12 * self.safe_use_years:
                raise ValueError("the warranty must not outlast the safe-use life "
                                 "(safe_use_years)")
        return self


class PolicyOut(PolicyIn):
    model_config = ConfigDict(from_attributes=True)

    category: str
    region: Region
    updated_by: str | None
    updated_at: datetime.datetime


class ProductFields(BaseModel):
    brand: Annotated[str | None, Field(max_length=50), NoControl] = None
    model: Annotated[str | None, Field(max_length=64), NoControl] = None
    serial: Annotated[str | None, Field(max_length=64), NoControl] = None
    purchase_date: Day = None
    purchased_from: Annotated[str | None, Field(max_length=200), NoControl] = None
    installed_on: Day = None
    install_address: Annotated[str | None, Field(max_length=300), NoControl] = None

    @field_validator("brand", "model", "serial", "purchased_from", "install_address",
                     mode="before")
    @classmethod
    def _trimmed(cls, value: object) -> object:
        """Blank is none: a form's emptied field clears the value. (Control characters are
        refused, not removed: NoControl.)"""
        if isinstance(value, str):
            return value.strip() or None
        return value

    @model_validator(mode="after")
    def _installed_after_bought(self) -> ProductFields:
        if self.purchase_date and self.installed_on and self.installed_on < self.purchase_date:
            raise ValueError("installed_on must not be before purchase_date")
        return self


class ProductIn(ProductFields):
    """A product as the customer registers it: the category (any spelling: 冷氣, fridge)."""

    category: Annotated[str, Field(min_length=1, max_length=20), NoControl]
    region: Region = Region.mainland

    _canonical = field_validator("category")(product_category)


# Photos one registration may name (a form's), and a photo's token as the reading gave it
# (backend/products/photos/store.py).
MAX_PHOTOS = 10
PhotoToken = Annotated[str, Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class ChatProductIn(ProductIn):
    """A product as the bot registers it for the customer of a chat: also the photos of its
    invoice or nameplate the chat sent (their tokens, from the readings), to keep with it."""

    photos: Annotated[list[PhotoToken], Field(max_length=MAX_PHOTOS)] = []


class ProductPatch(ProductFields):
    """What staff change: the fields given (a technician confirms the model and serial)."""

    category: Annotated[str | None, Field(min_length=1, max_length=20), NoControl] = None
    region: Region | None = None

    @field_validator("category")
    @classmethod
    def _canonical(cls, value: str | None) -> str | None:
        return None if value is None else product_category(value)


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


class ProductPhotoOut(BaseModel):
    """A photo kept with a product (the image itself: GET /api/v1/products/{id}/photos/{photo
    id})."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: PhotoKind
    content_type: str
    size: int
    created_at: datetime.datetime


class StaffProductOut(ProductOut):
    """A product as staff see it: whose it is, when its serial number is flagged whose
    product registered it first, and the photos of its invoice or nameplate."""

    customer_id: int
    duplicate_customer_id: int | None = Field(
        default=None, description="the customer holding `duplicate_of`")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    photos: list[ProductPhotoOut] = []
