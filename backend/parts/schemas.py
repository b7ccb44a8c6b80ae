"""What the parts API takes and gives: catalogue entries, stock movements and balances,
low-stock alerts, the parts used and removed on a ticket, defective parts."""

from __future__ import annotations

import datetime
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.knowledge.enums import product_category
from backend.parts.enums import DefectiveState, MovementKind, PartKind
from backend.text import NoControl, clean

# Part numbers as printed: letters, digits, '.', '_' and '-', kept in upper case.
PART_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,39}$")
MAX_QUANTITY = 10_000
MAX_PRICE = 100_000_000  # minor units: a million yuan
Name = Annotated[str, Field(min_length=1, max_length=100), NoControl]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Price = Annotated[int, Field(ge=0, le=MAX_PRICE, description="minor units (分 / cents)")]
Username = Annotated[str, Field(min_length=1, max_length=64), NoControl]
Reference = Annotated[str | None, Field(max_length=100), NoControl]


def normalised_number(value: str) -> str:
    """`ac-cmp-35 ` is AC-CMP-35."""
    return value.strip().upper()


def check_number(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = normalised_number(value)
    if not PART_NUMBER.match(value):
        raise ValueError("2 to 40 letters, digits, '.', '_' or '-', starting with a letter or "
                         "digit")
    return value


class PartFields(BaseModel):
    """A catalogue entry as an admin writes it (all but the part number, which names it)."""

    name_zh_hans: Name
    name_zh_hant: Annotated[str | None, Field(max_length=100), NoControl] = None
    name_en: Annotated[str | None, Field(max_length=100), NoControl] = None
    categories: Annotated[list[Annotated[str, Field(min_length=1, max_length=20)]],
                          Field(min_length=1, max_length=20)]
    models: Annotated[list[Annotated[str, Field(min_length=1, max_length=64), NoControl]],
                      Field(max_length=100)] = []
    kind: PartKind | None = Field(default=None, description="main, wearing or other; left "
                                  "out: as the warranty policies of its categories name "
                                  "`policy_name`, else other")
    policy_name: Annotated[str | None, Field(max_length=20), NoControl] = Field(
        default=None, description="the name the warranty policies give it (压缩机, 门封条)")
    price_cny: Price
    price_hkd: Price | None = None
    price_twd: Price | None = None
    warranty_days: int = Field(default=90, ge=0, le=3650)
    active: bool = True

    @field_validator("name_zh_hans", "name_zh_hant", "name_en", "policy_name", mode="before")
    @classmethod
    def _trimmed(cls, value: object) -> object:
        value = clean(value)
        return value or None if isinstance(value, str) else value

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(product_category(c) for c in value))

    @field_validator("models", mode="before")
    @classmethod
    def _models(cls, value: object) -> object:
        if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
            return value
        return list(dict.fromkeys(m.strip() for m in value if m.strip()))


class PartIn(PartFields):
    number: str = Field(description="case-insensitive, kept in upper case")

    _number = field_validator("number", mode="before")(check_number)


class PartOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    name_zh_hans: str
    name_zh_hant: str | None
    name_en: str | None
    categories: list[str]
    models: list[str]
    kind: PartKind
    policy_name: str | None
    price_cny: int
    price_hkd: int | None
    price_twd: int | None
    warranty_days: int
    active: bool
    updated_by: str | None
    updated_at: datetime.datetime


class PartPage(BaseModel):
    items: list[PartOut]
    total: int
    limit: int
    offset: int


# ---- stock --------------------------------------------------------------------------------

class _PartMove(BaseModel):
    part_number: str
    quantity: Quantity = 1

    _number = field_validator("part_number", mode="before")(check_number)


class ReceiptIn(_PartMove):
    """Units delivered into an outlet."""

    outlet_id: Id
    reference: Reference = Field(default=None, description="delivery note or invoice number")


class TransferIn(_PartMove):
    """Units issued from an outlet to a technician, or returned by the technician to it."""

    outlet_id: Id
    technician: Username


class ThresholdIn(BaseModel):
    """Below this many units of the part the outlet's dispatchers are alerted (null: never)."""

    part_number: str
    outlet_id: Id
    threshold: int | None = Field(ge=0, le=MAX_QUANTITY)

    _number = field_validator("part_number", mode="before")(check_number)


class MovementOut(BaseModel):
    id: int
    kind: MovementKind
    part_number: str
    quantity: int
    from_outlet_id: int | None
    from_technician: str | None
    to_outlet_id: int | None
    to_technician: str | None
    ticket_number: str | None
    used_on: datetime.date | None
    warranty_until: datetime.date | None
    defective_part_id: int | None
    reference: str | None
    actor: str
    created_at: datetime.datetime


class MovementPage(BaseModel):
    items: list[MovementOut]
    total: int
    limit: int
    offset: int


class BalanceOut(BaseModel):
    part_number: str
    part_name: str
    outlet_id: int | None
    outlet_name: str | None
    technician: str | None
    quantity: int
    threshold: int | None
    low: bool = Field(description="an outlet below its threshold")


class BalancePage(BaseModel):
    items: list[BalanceOut]
    total: int
    limit: int
    offset: int


class AlertOut(BaseModel):
    id: int
    part_number: str
    part_name: str
    outlet_id: int
    outlet_name: str
    quantity: int = Field(description="the balance that raised it")
    threshold: int
    raised_at: datetime.datetime
    cleared_at: datetime.datetime | None


# ---- on a ticket ----------------------------------------------------------------------------

class UseIn(_PartMove):
    """Parts fitted on the ticket, from a technician's stock: the caller's own (a technician),
    or the technician named (the desk)."""

    technician: Username | None = None


class RemovedIn(BaseModel):
    """A defective part taken out on the ticket, to be sent back (坏件返修)."""

    part_number: str
    technician: Username | None = None
    part_serial: Annotated[str | None, Field(max_length=64), NoControl] = None
    fault: Annotated[str | None, Field(max_length=200), NoControl] = None

    _number = field_validator("part_number", mode="before")(check_number)


class DefectiveStateIn(BaseModel):
    state: DefectiveState
    outlet_id: Id | None = Field(default=None, description="sent_to_repair: the outlet it is "
                                 "sent back through; repaired: the outlet that receives it "
                                 "back into stock (left out: not restocked)")


class DefectiveOut(BaseModel):
    id: int
    part_number: str
    part_name: str
    ticket_number: str
    technician: str | None
    part_serial: str | None
    fault: str | None
    state: DefectiveState
    outlet_id: int | None
    removed_at: datetime.datetime
    removed_by: str
    sent_at: datetime.datetime | None
    sent_by: str | None
    ended_at: datetime.datetime | None
    ended_by: str | None


class UsedPartOut(BaseModel):
    part_number: str
    part_name: str
    kind: PartKind
    quantity: int
    technician: str | None
    used_on: datetime.date
    warranty_until: datetime.date = Field(description="the parts warranty's last day")
    actor: str
    created_at: datetime.datetime


class TicketPartsOut(BaseModel):
    ticket_number: str
    used: list[UsedPartOut]
    removed: list[DefectiveOut]


class DefectivePage(BaseModel):
    items: list[DefectiveOut]
    total: int
    limit: int
    offset: int
