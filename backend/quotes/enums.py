"""Quotes and payments vocabulary (GB/T 27922 5.32: fees disclosed before the work; 先报价，您同意
后才维修): where a quote stands, what a line is, why a line is free, why a customer declines,
how a payment was made, who may do what."""

from __future__ import annotations

from enum import StrEnum

from backend.staff.enums import Role


class QuoteStatus(StrEnum):
    sent = "sent"  # waiting for the customer's answer
    accepted = "accepted"  # by the customer; or, all in warranty, needing no acceptance
    declined = "declined"  # by the customer, with a reason
    superseded = "superseded"  # a newer version replaced it (the customer was sent that one)
    withdrawn = "withdrawn"  # staff took it back: no quote stands


# The statuses of the ticket's quote in force (the latest version, unless withdrawn).
STANDING = frozenset({QuoteStatus.sent, QuoteStatus.accepted, QuoteStatus.declined})


class LineKind(StrEnum):
    visit = "visit"  # 上门费, of the fee standard
    labour = "labour"  # a labour item of the fee standard, by its code
    part = "part"  # a part of the catalogue, by its part number


class WarrantyReason(StrEnum):
    """Why a line is free (the bot says it in the customer's words)."""

    product_warranty = "product_warranty"  # the whole unit is under warranty
    main_parts_warranty = "main_parts_warranty"  # a main part, within the main parts' period
    free_replacement = "free_replacement"  # a part replaced before failed within its warranty


class DeclineReason(StrEnum):
    too_expensive = "too_expensive"
    buy_new = "buy_new"  # will buy a new one instead
    other = "other"  # the customer's own words, if they typed any, in the ticket's record


class PaymentMethod(StrEnum):
    cash = "cash"
    wechat_pay = "wechat_pay"
    alipay = "alipay"
    card = "card"


class QuoteEvent(StrEnum):
    """Kinds of the ticket events quotes and payments write (the tickets package does not
    know them, as it does not know the parts' or the SLA's)."""

    quote_sent = "quote_sent"
    quote_accepted = "quote_accepted"
    quote_declined = "quote_declined"
    quote_withdrawn = "quote_withdrawn"
    payment_recorded = "payment_recorded"


# Who may build, replace, withdraw and read quotes and record payments (a technician: on the
# tickets assigned to them).
QUOTE_STAFF = frozenset({Role.dispatcher, Role.technician, Role.supervisor, Role.admin})
# The actor of a quote that needs no acceptance (everything in it is free).
NO_CHARGE_ACTOR = "system:no_charge"
