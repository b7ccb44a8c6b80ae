"""Errors every domain may raise that are no domain's own.

What each error answers over HTTP is decided in one place: the exception handlers of
`backend/app.py` (the domain errors themselves know nothing of HTTP)."""

from __future__ import annotations


class NotFound(LookupError):
    """There is no such thing, or the caller may not know of it (the message says which
    thing: "no such ticket"). 404."""
