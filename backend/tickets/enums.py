"""Ticket vocabulary: types, statuses and the one table of allowed status changes."""

from __future__ import annotations

from enum import StrEnum

from backend.kernel.ticket_numbers import PREFIXES


class TicketType(StrEnum):
    repair = "repair"
    installation = "installation"
    complaint = "complaint"
    return_exchange = "return_exchange"
    inquiry = "inquiry"


class TicketStatus(StrEnum):
    new = "new"
    assigned = "assigned"
    scheduled = "scheduled"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    cancelled = "cancelled"
    reopened = "reopened"


class TicketPriority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class EventKind(StrEnum):
    created = "created"
    status_changed = "status_changed"
    internal_note = "internal_note"  # staff only: never shown or pushed to the customer
    expedited = "expedited"
    feedback = "feedback"
    assigned = "assigned"  # given to a staff member (the note says to whom)
    escalated = "escalated"  # to a team (and maybe a person), with the reason
    staff_reply = "staff_reply"  # a message to the customer's chat from the ticket page
    product_confirmed = "product_confirmed"  # model / serial read on site (names, not values)
    # Staff resolved a repair or installation without the customer's confirmation (the note:
    # the reason; backend/service_records counts these apart).
    resolution_override = "resolution_override"


# ---- the vocabulary of the ticket's service-level columns (kept up by backend.sla) ----------

class Milestone(StrEnum):
    """What a ticket's clocks measure (GB/T 27922 服务时限), each from the ticket's creation."""

    first_response = "first_response"  # the first staff event after creation
    on_site = "on_site"  # status in_progress (repair, installation)
    resolution = "resolution"  # status resolved


class SlaState(StrEnum):
    """Where a ticket stands against its next pending milestone."""

    on_track = "on_track"
    nearly_due = "nearly_due"  # less than a quarter of the window left (sla.enums)
    overdue = "overdue"


class AppointmentWindow(StrEnum):
    morning = "morning"
    afternoon = "afternoon"
    evening = "evening"


class EscalationTarget(StrEnum):
    """The team a ticket is escalated to: the staff role of that name."""

    supervisor = "supervisor"
    agent = "agent"
    dispatcher = "dispatcher"
    technician = "technician"


# The team's name in the staff alert (the staff chat reads zh-Hans).
ESCALATION_TARGETS_ZH = {EscalationTarget.supervisor: "主管", EscalationTarget.agent: "客服",
                         EscalationTarget.dispatcher: "调度",
                         EscalationTarget.technician: "技术人员"}
# Actor of the automatic routing of complaints to supervisors, in ticket records.
ROUTING_ACTOR = "system:routing"


class CancelReason(StrEnum):
    """Why a customer cancels (the bot's buttons)."""

    solved = "solved"
    no_longer_needed = "no_longer_needed"
    wrong_time = "wrong_time"
    other = "other"


class FeedbackKind(StrEnum):
    praise = "praise"
    criticism = "criticism"
    comment = "comment"


# Ticket number prefix of each type: RS-20261124-0007 (the grammar's: backend.kernel).
NUMBER_PREFIXES: dict[TicketType, str] = {TicketType(name): prefix
                                          for name, prefix in PREFIXES.items()}

DEFAULT_PRIORITY: dict[TicketType, TicketPriority] = {
    TicketType.complaint: TicketPriority.high,
}

# Within how many hours someone acts on a ticket of each priority (what a chased-up customer is
# told).
RESPONSE_HOURS: dict[TicketPriority, int] = {
    TicketPriority.urgent: 4,
    TicketPriority.high: 12,
    TicketPriority.normal: 24,
    TicketPriority.low: 48,
}
# A customer chasing a ticket up lifts it to at least this priority (urgent stays staff's call).
EXPEDITED_PRIORITY = TicketPriority.high
PRIORITY_ORDER = (TicketPriority.low, TicketPriority.normal, TicketPriority.high,
                  TicketPriority.urgent)

# Types for which a technician comes to the door: they need an address and a phone number.
ON_SITE_TYPES = frozenset({TicketType.repair, TicketType.installation})

S = TicketStatus
# The only place that says which status may follow which. closed and cancelled are final.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.new: frozenset({S.assigned, S.scheduled, S.in_progress, S.resolved, S.cancelled}),
    S.assigned: frozenset({S.scheduled, S.in_progress, S.resolved, S.cancelled}),
    S.scheduled: frozenset({S.assigned, S.in_progress, S.resolved, S.cancelled}),
    S.in_progress: frozenset({S.scheduled, S.resolved, S.cancelled}),
    S.resolved: frozenset({S.closed, S.reopened}),
    S.reopened: frozenset({S.assigned, S.scheduled, S.in_progress, S.resolved, S.cancelled}),
    S.closed: frozenset(),
    S.cancelled: frozenset(),
}

# Still being worked on (the customer's "open tickets").
OPEN_STATUSES = frozenset({S.new, S.assigned, S.scheduled, S.in_progress, S.reopened})

# Changes to these statuses are pushed to the customer's chat.
NOTIFY_STATUSES = frozenset(
    {S.assigned, S.scheduled, S.in_progress, S.resolved, S.closed, S.cancelled, S.reopened}
)


def can_transition(current: TicketStatus, new: TicketStatus) -> bool:
    return new in TRANSITIONS[current]
