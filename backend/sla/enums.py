"""Service-level vocabulary: milestones, SLA states, appointment windows, customer tiers, and
the event and push kinds this package writes."""

from __future__ import annotations

from enum import StrEnum


class Milestone(StrEnum):
    """What a ticket's clocks measure (GB/T 27922 服务时限), each from the ticket's creation."""

    first_response = "first_response"  # the first staff event after creation
    on_site = "on_site"  # status in_progress (repair, installation)
    resolution = "resolution"  # status resolved


MILESTONE_LABELS_ZH: dict[Milestone, str] = {
    Milestone.first_response: "首次响应",
    Milestone.on_site: "上门",
    Milestone.resolution: "解决",
}


class SlaState(StrEnum):
    """Where a ticket stands against its next pending milestone."""

    on_track = "on_track"
    nearly_due = "nearly_due"  # less than NEARLY_DUE_LEFT of the window left
    overdue = "overdue"


# "Nearly due" once less than this share of a milestone's window is left.
NEARLY_DUE_LEFT = 0.25


class CustomerTier(StrEnum):
    standard = "standard"
    vip = "vip"


class AppointmentWindow(StrEnum):
    morning = "morning"
    afternoon = "afternoon"
    evening = "evening"


# Local hours of each window: the bot's (bot/dialogue/when.py), which follow the service hours.
WINDOW_HOURS: dict[AppointmentWindow, tuple[int, int]] = {
    AppointmentWindow.morning: (8, 12),
    AppointmentWindow.afternoon: (12, 18),
    AppointmentWindow.evening: (18, 20),
}


class SlaEventKind(StrEnum):
    """Ticket events written by this package (besides status changes)."""

    sla_breached = "sla_breached"
    appointment = "appointment"  # an appointment agreed or moved (the note says when)
    appointment_confirmed = "appointment_confirmed"  # the customer confirmed the time
    appointment_change_requested = "appointment_change_requested"  # the note: the new time
    acceptance_requested = "acceptance_requested"  # the technician marked the job done
    acceptance_rejected = "acceptance_rejected"  # the customer says it is not fixed
    acceptance_timeout = "acceptance_timeout"  # no answer: resolved automatically


class PushKind(StrEnum):
    """Outbox payload `kind`s (a payload without one is a status change)."""

    status_changed = "status_changed"
    appointment_reminder = "appointment_reminder"
    acceptance_request = "acceptance_request"
    staff_alert = "staff_alert"


# Actors of what the worker does, in ticket records.
SLA_ACTOR = "system:sla"
ACCEPTANCE_ACTOR = "system:acceptance"
STAFF_ACTOR_PREFIX = "staff:"
