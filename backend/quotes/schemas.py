"""What the quotes API takes and gives. Amounts are decimals in the currency's major units
("30.00") at the edges, integer minor units inside (backend/kernel/money.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import BaseModel, Field, StrictBool, field_validator, model_validator

from backend.fees.schemas import CODE_PATTERN, Names, normalised_code
from backend.kernel.money import Currency, to_major
from backend.parts.schemas import Quantity, check_number
from backend.products.enums import Region
from backend.quotes.enums import (
    NO_CHARGE_ACTOR,
    DeclineReason,
    LineKind,
    PaymentMethod,
    QuoteStatus,
    WarrantyReason,
)
from backend.quotes.gate import Charge, QuoteState, charged_now, line_of
from backend.quotes.models import Payment, Quote
from backend.quotes.pricing import Line
from backend.text import NoControl, clean, clean_or_none

MAX_LINES = 50
Version = Annotated[int, Field(ge=1, le=10_000, description="the version the customer was "
                                                            "shown")]
Amount = Annotated[Decimal, Field(gt=0, le=Decimal("1000000"), decimal_places=2,
                                  description="in major units (元, HK$, NT$)",
                                  examples=["30.00"])]
RECEIPT_PATTERN = r"^[A-Z0-9][A-Z0-9._/-]{0,63}$"


# ---- in -------------------------------------------------------------------------------------

class LabourLine(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=CODE_PATTERN)]
    quantity: Quantity = 1

    _code = field_validator("code", mode="before")(normalised_code)


class PartLine(BaseModel):
    part_number: str
    quantity: Quantity = 1

    _number = field_validator("part_number", mode="before")(check_number)


L = TypeVar("L", LabourLine, PartLine)


def _merged(lines: list[L], key: str) -> list[L]:
    """The same code twice is one line of both quantities, where it first came."""
    found: dict[str, L] = {}
    for line in lines:
        code = getattr(line, key)
        earlier = found.get(code)
        found[code] = line if earlier is None else earlier.model_copy(
            update={"quantity": earlier.quantity + line.quantity})
    return list(found.values())


class QuoteIn(BaseModel):
    """The work to quote: the visit fee (unless `visit` is false), labour items of the fee
    standard by code, parts of the catalogue by number. `region`: whose standard prices it
    (default: where the ticket's product was bought, else the ticket's city's, else the
    Mainland's)."""

    region: Region | None = None
    visit: StrictBool = True
    items: Annotated[list[LabourLine], Field(max_length=MAX_LINES)] = []
    parts: Annotated[list[PartLine], Field(max_length=MAX_LINES)] = []

    @model_validator(mode="after")
    def _something(self) -> QuoteIn:
        if not (self.visit or self.items or self.parts):
            raise ValueError("a quote has a visit fee, a labour item or a part")
        self.items = _merged(self.items, "code")
        self.parts = _merged(self.parts, "part_number")
        return self


class WithdrawIn(BaseModel):
    version: Version
    reason: Annotated[str, Field(min_length=1, max_length=500), NoControl]

    _reason = field_validator("reason", mode="before")(clean)


class AcceptIn(BaseModel):
    version: Version


class DeclineIn(BaseModel):
    version: Version
    reason: DeclineReason
    note: Annotated[str | None, Field(max_length=1000), NoControl] = Field(
        default=None, description="the customer's own words (kept encrypted)")

    _note = field_validator("note", mode="before")(clean_or_none)


class PaymentIn(BaseModel):
    """A payment taken (recorded here, not processed): in the currency of the ticket's quote
    unless given."""

    amount: Amount
    method: PaymentMethod
    receipt_number: Annotated[str, Field(min_length=1, max_length=64,
                                         pattern=RECEIPT_PATTERN)]
    currency: Currency | None = None

    @field_validator("receipt_number", mode="before")
    @classmethod
    def _receipt(cls, value: object) -> object:
        return "".join(value.split()).upper() if isinstance(value, str) else value


# ---- out ------------------------------------------------------------------------------------

class LineOut(BaseModel):
    kind: LineKind
    code: str | None
    names: Names
    quantity: int
    unit_price: Decimal
    amount: Decimal
    in_warranty: bool
    warranty_reason: WarrantyReason | None
    warranty_until: datetime.date | None
    earlier_ticket: str | None

    @classmethod
    def of(cls, line: Line, currency: str) -> LineOut:
        zh_hans, zh_hant, en = line.names
        return cls(kind=line.kind, code=line.code,
                   names=Names.model_validate({"zh-Hans": zh_hans, "zh-Hant": zh_hant,
                                               "en": en}),
                   quantity=line.quantity, unit_price=to_major(line.unit_price, currency),
                   amount=to_major(line.amount, currency), in_warranty=line.in_warranty,
                   warranty_reason=line.warranty_reason, warranty_until=line.warranty_until,
                   earlier_ticket=line.earlier_ticket)


class QuoteOut(BaseModel):
    ticket_number: str
    version: int
    status: QuoteStatus
    needs_acceptance: bool
    region: Region
    fee_standard_version: int
    currency: Currency
    total: Decimal
    declined_charge: Decimal = Field(description="what declining costs the customer")
    lines: list[LineOut]
    built_by: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    decided_by: str | None
    decline_reason: DeclineReason | None
    decline_note: str | None
    ended_at: datetime.datetime | None
    ended_by: str | None

    @classmethod
    def of(cls, quote: Quote, ticket_number: str) -> QuoteOut:
        currency = quote.currency
        decision = quote.decision
        decided_by = (decision.actor if decision is not None
                      else NO_CHARGE_ACTOR if not quote.needs_acceptance else None)
        return cls(
            ticket_number=ticket_number, version=quote.version,
            status=QuoteStatus(quote.status), needs_acceptance=quote.needs_acceptance,
            region=Region(quote.region), fee_standard_version=quote.fee_standard_version,
            currency=Currency(currency), total=to_major(quote.total, currency),
            declined_charge=to_major(quote.declined_charge, currency),
            lines=[LineOut.of(line_of(row), currency) for row in quote.lines],
            built_by=quote.built_by, created_at=quote.created_at, decided_at=quote.decided_at,
            decided_by=decided_by,
            decline_reason=DeclineReason(quote.decline_reason) if quote.decline_reason else None,
            decline_note=decision.note if decision is not None and quote.decline_reason
            else None,
            ended_at=quote.ended_at, ended_by=quote.ended_by)


class PaymentOut(BaseModel):
    ticket_number: str
    amount: Decimal
    currency: Currency
    method: PaymentMethod
    receipt_number: str
    quote_version: int | None
    recorded_by: str
    recorded_at: datetime.datetime

    @classmethod
    def of(cls, payment: Payment, ticket_number: str, quote_version: int | None) -> PaymentOut:
        return cls(ticket_number=ticket_number,
                   amount=to_major(payment.amount, payment.currency),
                   currency=Currency(payment.currency), method=PaymentMethod(payment.method),
                   receipt_number=payment.receipt_number, quote_version=quote_version,
                   recorded_by=payment.recorded_by, recorded_at=payment.recorded_at)


class ChargeOut(BaseModel):
    """What the customer agreed to pay: the accepted quote's lines and total, a declined
    quote's visit fee (or nothing), or nothing for free work."""

    currency: Currency
    total: Decimal
    lines: list[LineOut]

    @classmethod
    def of(cls, charge: Charge) -> ChargeOut:
        return cls(currency=Currency(charge.currency),
                   total=to_major(charge.total, charge.currency),
                   lines=[LineOut.of(line, charge.currency) for line in charge.lines])


class GateOut(BaseModel):
    """May the ticket be completed now (with no more work than quoted), and the charge."""

    may_complete: bool
    state: str
    message: str
    charge: ChargeOut | None

    @classmethod
    def of(cls, state: QuoteState) -> GateOut:
        return cls(may_complete=state.may_complete, state=str(state.state),
                   message=state.message,
                   charge=ChargeOut.of(state.charge) if state.charge else None)


class TicketQuotesOut(BaseModel):
    ticket_number: str
    current: QuoteOut | None = Field(description="the standing quote (none: none, or "
                                                 "withdrawn)")
    versions: list[QuoteOut] = Field(description="every version, newest first")
    payments: list[PaymentOut]
    gate: GateOut


class QuoteCustomerView(BaseModel):
    """What the bot gets back after the customer answered."""

    ticket_number: str
    version: int
    status: QuoteStatus
    currency: Currency
    total: Decimal
    charge: Decimal = Field(description="what the customer pays now: the total when "
                                        "accepted, the declined charge when declined")

    @classmethod
    def of(cls, quote: Quote, ticket_number: str) -> QuoteCustomerView:
        currency = quote.currency
        return cls(ticket_number=ticket_number, version=quote.version,
                   status=QuoteStatus(quote.status), currency=Currency(currency),
                   total=to_major(quote.total, currency),
                   charge=to_major(charged_now(quote), currency))
