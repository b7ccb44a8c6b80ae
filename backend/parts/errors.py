"""What the parts domain refuses (backend/app.py says what each answers over HTTP)."""

from __future__ import annotations


class PartRefused(ValueError):
    """Input the parts domain cannot take (the message says why). 422."""


class PartNumberTaken(Exception):
    """Another part has this part number. 409."""


class NotEnoughStock(Exception):
    """The holder has fewer units than the movement takes: stock never goes negative. 409."""


class DefectiveStateRefused(Exception):
    """A defective part cannot go to that state from where it is. 409."""
