"""Products vocabulary: where a warranty policy applies, who recorded a product, what a photo
of it shows."""

from __future__ import annotations

from enum import StrEnum


class Region(StrEnum):
    """Where the customer bought: the Mainland's 三包 rules, or Hong Kong's and Taiwan's."""

    mainland = "mainland"
    hong_kong = "hong_kong"
    taiwan = "taiwan"


class Source(StrEnum):
    customer = "customer"
    technician = "technician"
    staff = "staff"


class Coverage(StrEnum):
    whole_unit = "whole_unit"  # everything but wearing parts
    main_parts_only = "main_parts_only"
    expired = "expired"
    unknown = "unknown"  # no purchase date yet


class PhotoKind(StrEnum):
    """What a photo the customer sent shows, as its reading found (backend/products/photos)."""

    invoice = "invoice"  # 发票, 統一發票, a shop's receipt
    nameplate = "nameplate"  # 铭牌
    unknown = "unknown"
