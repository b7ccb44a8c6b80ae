"""Statistics vocabulary: periods, breakdown dimensions, SLA milestones, a job's warranty
class and quote outcome."""

from __future__ import annotations

from enum import StrEnum


class GroupBy(StrEnum):
    day = "day"
    week = "week"  # ISO weeks, Monday to Sunday
    month = "month"


class Dimension(StrEnum):
    """What the indicators can be broken down by (each only where the database has it)."""

    type = "type"
    product = "product"
    outlet = "outlet"  # the outlet staff confirmed, else the one proposed for the district
    technician = "technician"  # the assignee
    sla_policy = "sla_policy"
    fault_category = "fault_category"  # the service record's (its current version)


class MilestoneSource(StrEnum):
    """Where a ticket's first response, on-site visit and resolution times come from."""

    columns = "columns"  # tickets.first_responded_at, on_site_at, resolved_at (backend/sla)
    events = "events"  # derived from ticket_events


class WarrantyClass(StrEnum):
    """A repair's or installation's money: what the warranty bore, what the customer was
    charged (backend/stats/service_facts.py)."""

    free = "free"  # a warranty cost, nothing charged
    charged = "charged"  # a charge, no warranty cost
    mixed = "mixed"  # both


class QuoteOutcome(StrEnum):
    """The customer's answer to the job's standing quote (one that needed an answer)."""

    none = "none"  # no quote, withdrawn, or free (needing no answer)
    accepted = "accepted"
    declined = "declined"
    pending = "pending"  # sent, not answered yet


SLA_MILESTONES = ("first_response", "on_site", "resolution")

# A repair counts as a repeat repair if the same customer reported a repair of the same product
# within this many days before it. A repair fixed the first time had one visit at most and no
# such repeat after it.
REPEAT_REPAIR_DAYS = 30

# The longest span one request may cover.
MAX_DAYS = 3 * 366
