"""What the quotes domain refuses (backend/app.py says what each answers over HTTP)."""

from __future__ import annotations


class QuoteRefused(ValueError):
    """A quote or payment that cannot be built as asked (an unknown labour code, a part with
    no price in the currency, a ticket that is no visit): the message says why. 422."""


class QuoteNotCurrent(Exception):
    """The customer answered a quote that can no longer be answered: replaced by a newer
    version, withdrawn, or answered already; or staff withdraw one that is not the ticket's
    standing quote. 409, with `answer_fields` beside the detail (`quote_status`: where the
    version answered stands; `current_version`: the ticket's standing version, or null) so the
    bot can say which."""

    def __init__(self, message: str, *, quote_status: str, current_version: int | None) -> None:
        super().__init__(message)
        self.answer_fields = {"quote_status": quote_status, "current_version": current_version}


class ReceiptTaken(Exception):
    """A payment with this receipt number is recorded already (on any ticket). 409."""
