"""Privacy vocabulary: what was done to a customer's personal data, and by whom."""

from __future__ import annotations

from enum import StrEnum


class PrivacyActionKind(StrEnum):
    exported = "exported"  # the customer's data was shown or downloaded
    erased = "erased"  # the customer's personal data was erased (the statistics stay)


# Actors in the privacy log and the ticket records of an erasure. Not "staff:…": the
# statistics count staff events as responses to the customer.
CUSTOMER_ACTOR = "customer"  # the customer, in their own chat (the chat itself is erased)
ERASURE_ACTOR = "system:privacy"
# What replaces a chat id and an idempotency key once erased.
ERASED = "erased"
