"""Service-level vocabulary: milestones, SLA states, appointment windows, customer tiers, and
the event kinds this package writes (its push kinds are the kernel's: backend.kernel.pushes)."""

from __future__ import annotations

from enum import StrEnum

# The ticket's columns speak these; they live with the ticket (backend.tickets.enums). The
# windows' hours are settings (APPOINTMENT_WINDOWS, read by backend/kernel/business_calendar.py).
from backend.tickets.enums import AppointmentWindow, Milestone, SlaState  # noqa: F401

MILESTONE_LABELS_ZH: dict[Milestone, str] = {
    Milestone.first_response: "首次响应",
    Milestone.on_site: "上门",
    Milestone.resolution: "解决",
}


# "Nearly due" once less than this share of a milestone's window is left.
NEARLY_DUE_LEFT = 0.25


class CustomerTier(StrEnum):
    standard = "standard"
    vip = "vip"


class SlaEventKind(StrEnum):
    """Ticket events written by this package (besides status changes)."""

    sla_breached = "sla_breached"
    appointment = "appointment"  # an appointment agreed or moved (the note says when)
    appointment_confirmed = "appointment_confirmed"  # the customer confirmed the time
    appointment_change_requested = "appointment_change_requested"  # the note: the new time
    acceptance_requested = "acceptance_requested"  # the technician marked the job done
    acceptance_rejected = "acceptance_rejected"  # the customer says it is not fixed
    acceptance_timeout = "acceptance_timeout"  # no answer: resolved automatically


# Actors of what the worker does, in ticket records.
SLA_ACTOR = "system:sla"
ACCEPTANCE_ACTOR = "system:acceptance"
STAFF_ACTOR_PREFIX = "staff:"
