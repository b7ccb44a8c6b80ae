"""What the service record holds and what its API takes and gives.

`RecordContent` is the one definition of a record's content: stored encrypted, hashed
(`content_hash`: sha256 of its canonical JSON, backend/service_records/service.py), rendered to
the customer's chat (bot/dialogue/records.py) and to a PDF (backend/service_records/pdf.py).
Amounts are integer minor units of `charge.currency` (backend/kernel/money.py); dates and
times are ISO strings in its JSON.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from backend.fees.schemas import normalised_code
from backend.parts.schemas import Quantity, check_number
from backend.text import NoControl, clean, clean_or_none

# ---- the record's content ---------------------------------------------------------------------


class _Content(BaseModel):
    # Names as written (zh-Hans) both ways: the JSON's keys are the names below.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              serialize_by_alias=True)


class Names(_Content):
    """A name in each of the customer's languages."""

    zh_hans: str = Field(alias="zh-Hans")
    zh_hant: str = Field(alias="zh-Hant")
    en: str

    @classmethod
    def of(cls, zh_hans: str, zh_hant: str, en: str) -> Names:
        return cls.model_validate({"zh-Hans": zh_hans, "zh-Hant": zh_hant, "en": en})

    def in_language(self, language: str | None) -> str:
        return {"zh-Hant": self.zh_hant, "en": self.en}.get(language or "", self.zh_hans)


class ProductOf(_Content):
    category: str | None
    brand: str | None = None
    model: str | None = None
    serial: str | None = None


class TechnicianOf(_Content):
    """Who did the work: the display name and the staff number (一证件), nothing else."""

    name: str
    staff_number: str | None = None


class FaultOf(_Content):
    code: str
    names: Names


class WorkItemOf(_Content):
    """A labour item of the fee standard (its code), priced as agreed."""

    code: str
    names: Names
    amount: int  # minor units; 0 when in warranty
    in_warranty: bool
    warranty_reason: str | None = None


class PartOf(_Content):
    part_number: str
    names: Names
    quantity: int
    amount: int  # minor units, all `quantity` of them; 0 when in warranty
    in_warranty: bool
    warranty_until: datetime.date | None  # the part's own warranty (配件保修), from fitting
    warranty_reason: str | None = None  # why it is free, as a work item's


class Checklist(_Content):
    test_run: StrictBool
    usage_explained: StrictBool
    site_cleaned: StrictBool


class ChargeOf(_Content):
    currency: str  # CNY, HKD, TWD
    total: int  # minor units
    paid: int = 0  # minor units recorded as paid
    payment_method: str | None = None  # cash, wechat_pay, alipay, card
    receipt_number: str | None = None


class WarrantyOf(_Content):
    product_until: datetime.date | None  # the product's whole-unit warranty, last day
    parts_until: datetime.date | None  # the latest parts warranty of the parts fitted


class Signature(_Content):
    """The customer's "Confirm": when, on which channel, and from which chat."""

    signed_at: datetime.datetime
    channel: str
    chat_actor: str  # customer:<channel>:<chat id>


class RecordContent(_Content):
    """One version of a ticket's service record (一票到底)."""

    ticket_number: str
    ticket_type: str
    version: int
    product: ProductOf
    technician: TechnicianOf
    completed_at: datetime.datetime
    diagnosis: str
    fault_category: FaultOf
    work_items: list[WorkItemOf]
    parts: list[PartOf]
    checklist: Checklist
    charge: ChargeOf
    warranty: WarrantyOf
    signature: Signature | None = None


# ---- the API ------------------------------------------------------------------------------------

Text = Annotated[str, Field(min_length=1, max_length=2000), NoControl]
Reason = Annotated[str, Field(min_length=1, max_length=500), NoControl]
Code = Annotated[str, Field(min_length=1, max_length=40), NoControl]


def _unique_codes(value: object) -> object:
    """The codes once each, as written in the standard; anything but a list of text is left
    for the field's own check to refuse (422)."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        return value
    return list(dict.fromkeys(normalised_code(code) for code in value))


class PartUsed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part_number: str
    quantity: Quantity

    _number = field_validator("part_number", mode="before")(check_number)


class CompleteRequest(BaseModel):
    """What the technician records on finishing a job. All three checklist items must be
    true; the fault category is one of the product category's (GET
    /service-records/faults); work items are labour codes of the fee standard."""

    model_config = ConfigDict(extra="forbid")

    diagnosis: Text
    fault_category: Code
    work_items: Annotated[list[Code], Field(max_length=50)] = []
    parts: Annotated[list[PartUsed], Field(max_length=50)] = []
    checklist: Checklist
    note: Annotated[str | None, Field(max_length=2000), NoControl] = None

    _text = field_validator("diagnosis", mode="before")(clean)
    _note = field_validator("note", mode="before")(clean_or_none)
    _codes = field_validator("fault_category", mode="before")(normalised_code)

    _work = field_validator("work_items", mode="before")(_unique_codes)


class Correction(BaseModel):
    """A staff correction of the record: what changes, and why (the reason is kept)."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason
    diagnosis: Text | None = None
    fault_category: Code | None = None
    work_items: Annotated[list[Code], Field(max_length=50)] | None = None
    checklist: Checklist | None = None

    _text = field_validator("diagnosis", "reason", mode="before")(clean_or_none)
    _codes = field_validator("fault_category", mode="before")(normalised_code)
    _work = field_validator("work_items", mode="before")(_unique_codes)


class ConfirmRequest(BaseModel):
    """The version the customer was shown and confirms."""

    version: Annotated[int, Field(ge=1, le=10_000)]


class NotFixedRequest(BaseModel):
    """What the customer says is still wrong (kept encrypted)."""

    version: Annotated[int | None, Field(ge=1, le=10_000)] = None
    note: Annotated[str | None, Field(max_length=2000), NoControl] = None

    _note = field_validator("note", mode="before")(clean_or_none)


class VersionHead(BaseModel):
    version: int
    content_hash: str
    created_at: datetime.datetime
    created_by: str
    reason: str | None  # a correction's
    signed_at: datetime.datetime | None
    rejected_at: datetime.datetime | None  # the customer said "not fixed" to it

    @classmethod
    def of_row(cls, row: Any) -> VersionHead:
        return cls.model_validate(row, from_attributes=True)


class RecordOut(VersionHead):
    """One version as staff read it, with the list of all versions."""

    ticket_number: str
    current_version: int
    signed_channel: str | None
    content: RecordContent
    versions: list[VersionHead]

    @classmethod
    def of(cls, ticket_number: str, row: Any, versions: list[Any]) -> RecordOut:
        return cls(ticket_number=ticket_number, current_version=versions[-1].version,
                   signed_channel=row.signed_channel,
                   content=RecordContent.model_validate(row.content),
                   versions=[VersionHead.of_row(v) for v in versions],
                   **VersionHead.of_row(row).model_dump())


class Verification(BaseModel):
    ticket_number: str
    version: int
    stored_hash: str
    computed_hash: str
    matches: bool


class FaultOut(BaseModel):
    code: str
    names: Names


class FaultList(BaseModel):
    category: str
    faults: list[FaultOut]


class RecordCustomerView(BaseModel):
    """The customer's ticket's current record, as the bot gets it: after an answer, or asked
    for (`record`: the `service_record` push's payload, to show again)."""

    ticket_number: str
    version: int
    status: str  # the ticket's
    signed: bool
    awaiting_confirmation: bool
    record: dict[str, Any]
