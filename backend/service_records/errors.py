"""What service records refuse (backend/app.py says what each answers over HTTP)."""

from __future__ import annotations


class CompletionRefused(ValueError):
    """A completion that cannot be recorded as given: a checklist item not done, a fault
    category not of the appliance, an unknown labour code or part. 422."""


class NotAgreed(Exception):
    """The job's quote waits for the customer: an out-of-warranty job is not recorded as
    done before its quote is accepted (or declined). 409."""


class RecordNotCurrent(Exception):
    """The customer answered a version that is not the record's current one (a correction
    replaced it), or one confirmed already. 409, with `answer_fields` beside the detail
    (`record_version`: the version answered; `current_version`: the record's current one)
    so the bot can say which."""

    def __init__(self, message: str, *, record_version: int | None,
                 current_version: int) -> None:
        super().__init__(message)
        self.answer_fields = {"record_version": record_version,
                              "current_version": current_version}


class RecordClosed(Exception):
    """The record cannot be corrected or answered as the ticket stands (no record, the job
    is back with the technician, the ticket cancelled). 409."""
