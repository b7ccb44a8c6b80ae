"""What the ticket actions refuse (backend/app.py says what each answers over HTTP)."""

from __future__ import annotations

from backend.tickets.enums import TRANSITIONS, TicketStatus


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different request."""


class ActionNotAllowed(Exception):
    """The ticket's status forbids this (the message says why)."""


class TransitionNotAllowed(ActionNotAllowed):
    def __init__(self, current: TicketStatus, requested: TicketStatus) -> None:
        self.current, self.requested = current, requested
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (it is final)"
        super().__init__(f"a ticket cannot go from {current} to {requested}; "
                         f"from {current} it may go to: {allowed}")


class NotOfThatTeam(ValueError):
    """The person named for an escalation is not an active member of the team."""


class NoProduct(ValueError):
    """The ticket names no appliance a product can be registered for (a kettle)."""


class NoSuchStaff(ValueError):
    """No (active) staff account has the username a ticket is to be given to."""


class OverrideReasonMissing(ValueError):
    """Staff resolve a repair or installation without the customer's confirmation of its
    service record and give no `override_reason`. 422."""
