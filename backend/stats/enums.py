"""Statistics vocabulary: periods, breakdown dimensions, SLA milestones, and the indicators
of the CSV export."""

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


class MilestoneSource(StrEnum):
    """Where a ticket's first response, on-site visit and resolution times come from."""

    columns = "columns"  # tickets.first_responded_at, on_site_at, resolved_at (backend/sla)
    events = "events"  # derived from ticket_events


SLA_MILESTONES = ("first_response", "on_site", "resolution")

# A repair counts as a repeat repair if the same customer reported a repair of the same product
# within this many days before it.
REPEAT_REPAIR_DAYS = 30

# The longest span one request may cover.
MAX_DAYS = 3 * 366
