"""Wiring between domains that the tickets package must not import: the hooks of the ticket
lifecycle (backend/tickets/hooks.py). `create_app` calls `install_hooks()`, so the API, its
workers (SLA, surveys) and anything run with the app's sessions have them; a process that
acts on tickets without an app calls it itself."""

from __future__ import annotations

from backend.customers import service as customer_service
from backend.outlets import service as outlet_service
from backend.products import tickets as product_tickets
from backend.service_records import service as record_service
from backend.sla import service as sla_service
from backend.surveys import service as survey_service
from backend.tickets import hooks


def install_hooks() -> None:
    """Install the ticket lifecycle's hooks (again: the same ones, nothing doubled)."""
    hooks.install(hooks.Hooks(
        # The place first: the outlet's proposal needs it, the due times do not mind. The
        # customer is found by the ticket's phone number from now on.
        created=(outlet_service.propose, sla_service.ticket_created,
                 customer_service.remember_phone, product_tickets.ticket_created),
        # How a resolution came about (tickets.resolved_by), for the statistics.
        status_changed=(sla_service.status_changed, product_tickets.ticket_status_changed,
                        record_service.status_changed),
        follow_up=(survey_service.ticket_status_changed,),
        priority_changed=(sla_service.priority_changed,),
        staff_acted=(sla_service.staff_acted,),
    ))
