"""Service-record vocabulary: the ticket events this package writes, how a ticket was resolved,
and who may do what."""

from __future__ import annotations

from enum import StrEnum

from backend.staff.enums import ALL_ROLES, Role


class RecordEvent(StrEnum):
    """Kinds of the ticket events service records write (the tickets package does not know
    them, as it does not know the parts' or the SLA's). The job done and the customer's "not
    fixed" keep the SLA's kinds (`acceptance_requested`, `acceptance_rejected`)."""

    record_written = "record_written"  # version N written (the note: version and hash)
    record_signed = "record_signed"  # the customer confirmed version N
    record_corrected = "record_corrected"  # staff wrote version N+1 (the note: the reason)


class ResolvedBy(StrEnum):
    """How a ticket came to be resolved (`tickets.resolved_by`; None: not resolved)."""

    confirmed = "confirmed"  # the customer confirmed the service record (or accepted the job)
    timeout = "timeout"  # no answer within ACCEPTANCE_TIMEOUT_HOURS (the SLA worker)
    override = "override"  # staff, without the customer's confirmation, with a reason
    staff = "staff"  # staff, on a ticket that needs no confirmation (complaint, inquiry, …)


# Who may correct a record (a new version) and who may read it (a technician: the tickets
# assigned to them).
CORRECTORS = frozenset({Role.dispatcher, Role.supervisor, Role.admin})
READERS = ALL_ROLES
FINISHERS = frozenset({Role.technician, Role.supervisor, Role.admin})
