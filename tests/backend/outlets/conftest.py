"""Outlet test fixtures: staff accounts of any role (as in the service-level tests)."""

from __future__ import annotations

from tests.backend.sla.conftest import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    headers_of,
    token_for,
)
