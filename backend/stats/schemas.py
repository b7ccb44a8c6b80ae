"""What the statistics API accepts and returns (GB/T 27922 service indicators)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from backend.stats.enums import Dimension, GroupBy
from backend.tickets.enums import TicketType


class StatsQuery(BaseModel):
    """Which tickets: created from `start` to `end` (local dates in TICKET_TIMEZONE, both
    included), matching every filter given."""

    start: date
    end: date
    group_by: GroupBy = GroupBy.day
    type: TicketType | None = None
    product: str | None = None
    outlet: int | None = None
    technician: str | None = None  # a staff username
    # The breakdowns to compute (None: every one this database has; empty: none).
    breakdowns: tuple[Dimension, ...] | None = None


class Durations(BaseModel):
    """Minutes from a ticket's creation to a milestone, over the tickets that reached it."""

    median: float | None
    p90: float | None
    count: int


class SlaCompliance(BaseModel):
    """Tickets that met a milestone by its due time, among those met or past due (open ones
    not yet due, cancelled ones and those without a due time are left out)."""

    rate: float | None
    met: int
    missed: int


class MoneyIndicators(BaseModel):
    """The repairs and installations of one currency (amounts are never added across
    currencies): totals and per ticket, in major units ("1190.00")."""

    currency: str
    tickets: int = Field(description="repairs and installations in this currency")
    revenue: Decimal = Field(description="payments recorded")
    revenue_per_ticket: Decimal
    charge: Decimal = Field(description="the charge agreed (the standing quote's)")
    charge_per_ticket: Decimal
    warranty_cost: Decimal = Field(description="borne under warranty: what was not charged, "
                                               "at its price")
    warranty_cost_per_ticket: Decimal
    parts_value: Decimal = Field(description="the parts fitted, at the catalogue's price")
    parts_value_per_ticket: Decimal


class WarrantyShare(BaseModel):
    """Repairs and installations by what the warranty bore: free (all of it), charged (none),
    mixed; shares of those that are one of the three (`classified`)."""

    free: int
    charged: int
    mixed: int
    classified: int
    free_share: float | None
    charged_share: float | None
    mixed_share: float | None


class QuoteIndicators(BaseModel):
    """The customer's answer to the standing quote (those needing one)."""

    accepted: int
    declined: int
    pending: int
    acceptance_rate: float | None = Field(description="accepted / (accepted + declined)")


class ResolvedByCounts(BaseModel):
    """Tickets resolved now (resolved or closed), by how: the customer's confirmation, the
    acceptance timeout, a staff override (a repair or installation, with a reason), staff (a
    ticket needing no confirmation)."""

    confirmed: int
    timeout: int
    override: int
    staff: int


class ServiceIndicators(BaseModel):
    jobs: int = Field(description="repairs and installations")
    money: list[MoneyIndicators] = Field(description="per currency, by its code")
    parts_used: int = Field(description="units fitted")
    warranty: WarrantyShare
    quotes: QuoteIndicators
    first_time_fix_rate: float | None = Field(
        description="repairs resolved with one visit at most and no repeat repair within 30 "
                    "days after / repairs resolved")
    first_time_fixes: int
    resolved_repairs: int
    resolved_by: ResolvedByCounts


class Indicators(BaseModel):
    tickets: int
    satisfaction_rate: float | None = Field(description="share of ratings 4-5 among ratings")
    satisfied: int
    ratings: int
    average_rating: float | None
    survey_response_rate: float | None = Field(description="answered surveys / surveys")
    surveys: int
    surveys_answered: int
    first_response_minutes: Durations = Field(description="to the first staff action")
    on_site_minutes: Durations = Field(description="repair and installation: to the "
                                                   "technician on site (in_progress)")
    resolution_minutes: Durations = Field(description="to resolved, for resolved tickets")
    complaint_rate: float | None = Field(description="complaints / tickets")
    complaints: int
    complaint_resolution_minutes: Durations
    repeat_repair_rate: float | None = Field(
        description="repairs with a repair of the same product by the same customer in the "
                    "30 days before / repairs (cancelled ones left out)")
    repairs: int
    repeat_repairs: int
    cancellation_rate: float | None = Field(description="cancelled / tickets")
    cancelled: int
    sla_compliance: dict[str, SlaCompliance] | None = Field(
        description="per milestone (first_response, on_site, resolution); null where the "
                    "database has no SLA due times")
    service: ServiceIndicators = Field(description="money, parts, warranty, quotes, "
                                                   "first-time fix, resolutions")


class PeriodIndicators(Indicators):
    period: str = Field(description="2026-11-24 (day), 2026-W48 (ISO week), 2026-11 (month)")
    start: date = Field(description="first day of the period within the request")
    end: date = Field(description="last day of the period within the request")


class BreakdownIndicators(Indicators):
    key: str | int | None = Field(description="type, product, outlet id, technician's "
                                               "username, SLA policy id, fault category "
                                               "code; null: none")
    label: str | None


class StatsFilters(BaseModel):
    type: TicketType | None
    product: str | None
    outlet: int | None
    technician: str | None


class StatsReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    group_by: GroupBy
    timezone: str
    filters: StatsFilters
    overall: Indicators
    trend: list[PeriodIndicators]
    breakdowns: dict[str, list[BreakdownIndicators]] = Field(
        description="by type, product, outlet, technician, sla_policy, fault_category: those "
                    "this database has")
    unavailable: list[str] = Field(description="breakdowns and indicators this database "
                                               "cannot give (their columns do not exist)")
