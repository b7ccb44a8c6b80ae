"""A signed-in account of every role, for the customer and product tests: `role_headers[role]`
are the Authorization headers of an API token of an account with that role (cheap password
hashing, as in tests/backend/staff)."""

from __future__ import annotations

import pytest

from backend.staff.enums import Role
from tests.backend.staff.conftest import add_staff, cheap_password_hashing, token_for  # noqa: F401

CALLERS_WITHOUT_STAFF = ("service", "none")


@pytest.fixture
async def role_headers(add_staff, token_for) -> dict[str, dict[str, str]]:
    headers = {}
    for role in Role:
        headers[str(role)] = await token_for(await add_staff(f"{role}1", role))
    return headers
