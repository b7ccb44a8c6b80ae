"""The statistics' own tables: one row of facts per ticket, and the queue of tickets whose
facts must be computed again.

`ticket_facts` holds what the indicators aggregate, per ticket: its dimensions (ids, type,
product: nothing personal) and its precomputed durations, survey, repeat-repair flag and SLA
milestones. Database triggers (migration 0011) put a ticket's id into `ticket_facts_queue`
whenever the ticket, its survey or its service (quotes, payments, parts, record: migration
0025) changes, whoever changes it; `backend/stats/facts.py` takes
the queue and writes the facts (the worker every few seconds, and every statistics request
before it reads, so the figures are never behind).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.database import Base, UTCDateTime


class TicketFacts(Base):
    """What one ticket contributes to the statistics. Durations are minutes from its creation;
    an SLA milestone is 1 (met by its due time), 0 (met late) or NULL (not met yet, cancelled,
    no due time), and `<milestone>_due` is its due time while it may still be missed (not
    met, not cancelled): whether it is missed depends on when the statistics are asked for."""

    __tablename__ = "ticket_facts"
    __table_args__ = (
        # The statistics' range; the repeat repairs to recompute when a repair changes.
        Index("ix_ticket_facts_created_at", "created_at"),
        Index("ix_ticket_facts_customer_id_product", "customer_id", "product"),
    )

    # No foreign key: the facts of a deleted ticket are removed by the queue, after the
    # repeat-repair flags of its customer's other repairs are computed again.
    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(24))
    cancelled: Mapped[bool] = mapped_column(Boolean)
    product: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(Integer)
    outlet_id: Mapped[int | None] = mapped_column(Integer)  # confirmed, else proposed
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    sla_policy_id: Mapped[int | None] = mapped_column(Integer)
    first_response: Mapped[float | None] = mapped_column(Float)
    on_site: Mapped[float | None] = mapped_column(Float)  # repairs and installations
    resolution: Mapped[float | None] = mapped_column(Float)  # resolved or closed now
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    survey_state: Mapped[str | None] = mapped_column(String(16))
    repeat_repair: Mapped[int | None] = mapped_column(SmallInteger)  # repairs not cancelled
    sla_first_response: Mapped[int | None] = mapped_column(SmallInteger)
    sla_on_site: Mapped[int | None] = mapped_column(SmallInteger)
    sla_resolution: Mapped[int | None] = mapped_column(SmallInteger)
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_site_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The service (migration 0025, backend/stats/service_facts.py): the record's fault
    # category, how it was resolved (resolved or closed now), visits, a first-time fix (1/0,
    # repairs resolved now); for repairs and installations the currency and, in its minor
    # units, what was paid, the charge agreed, the cost borne under warranty, the parts fitted
    # (units, value); free | charged | mixed; none | accepted | declined | pending.
    fault_category: Mapped[str | None] = mapped_column(String(40))
    resolved_by: Mapped[str | None] = mapped_column(String(16))
    visits: Mapped[int | None] = mapped_column(SmallInteger)
    first_time_fix: Mapped[int | None] = mapped_column(SmallInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    revenue: Mapped[int | None] = mapped_column(Integer)
    charge: Mapped[int | None] = mapped_column(Integer)
    warranty_cost: Mapped[int | None] = mapped_column(Integer)
    parts_used: Mapped[int | None] = mapped_column(Integer)
    parts_value: Mapped[int | None] = mapped_column(Integer)
    warranty: Mapped[str | None] = mapped_column(String(8))
    quote: Mapped[str | None] = mapped_column(String(8))


class TicketFactsQueue(Base):
    """A ticket (or its survey) changed: its facts are to be computed again. Filled by
    triggers; one row per change, taken (deleted) by whoever computes the facts."""

    __tablename__ = "ticket_facts_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)


class TicketFactsVersion(Base):
    """One row: counts the refreshes that changed `ticket_facts`, in their transactions, so
    that a report computed at one version is known to be still right (ReportCache)."""

    __tablename__ = "ticket_facts_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
