"""What the outlet API accepts and returns, and the dispatch fields of a ticket's staff views."""

from __future__ import annotations

from datetime import datetime

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from backend.knowledge.enums import canonical_city
from backend.outlets.places import canonical_district
from backend.text import clean, clean_or_none, has_control

NAME_MAX = 100
CITY_MAX = 50
DISTRICTS_MAX = 50


class OutletIn(BaseModel):
    """A new outlet, or the whole of an existing one (PUT replaces every field)."""

    name: str = Field(min_length=1, max_length=NAME_MAX)
    city: str = Field(min_length=1, max_length=CITY_MAX,
                      description="canonical Simplified city name (北京, 香港, 台北); "
                                  "Traditional and English names are converted")
    districts: list[str] = Field(default_factory=list, max_length=DISTRICTS_MAX,
                                 description="official district names it covers (朝阳区, "
                                             "观塘区); empty: the whole city, for districts no "
                                             "other outlet of the city covers")
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=300)
    active: StrictBool = True  # true or false, not 0 or "no"

    @field_validator("name", "phone", "address", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean_or_none(value)

    @field_validator("city", mode="before")
    @classmethod
    def _city(cls, value: object) -> object:
        value = clean(value)
        return canonical_city(value) if isinstance(value, str) else value

    @field_validator("name", "city", "phone", "address")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and ("\n" in value or "\r" in value or has_control(value)):
            raise ValueError("must be a single line")
        return value

    @model_validator(mode="after")
    def _districts(self) -> OutletIn:
        names = []
        for raw in self.districts:
            name = clean(raw)
            if not isinstance(name, str) or not name or len(name) > CITY_MAX or has_control(name):
                raise ValueError(f"districts: each a name of 1 to {CITY_MAX} characters")
            name = canonical_district(self.city, name)
            if name not in names:
                names.append(name)
        self.districts = names
        return self


class OutletOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    city: str
    districts: list[str]
    phone: str | None
    address: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class OutletPage(BaseModel):
    items: list[OutletOut]
    total: int
    limit: int
    offset: int


class OutletChoice(BaseModel):
    outlet_id: int = Field(ge=1, le=2**31 - 1)
