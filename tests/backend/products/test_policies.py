"""Admins keep the warranty policies (PUT /api/v1/warranty-policies/{category}/{region}) on
SQLite and PostgreSQL: absurd or inconsistent periods and a Mainland policy below 三包 are a
422 that names the problem; who changed it and when is recorded; other roles may read only."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.products import service
from backend.products.enums import Region
from backend.products.schemas import PolicyIn
from backend.staff.enums import Role
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.customers.roles import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    role_headers,
    token_for,
)

FRIDGE = "/api/v1/warranty-policies/冰箱/mainland"
GOOD = {"whole_unit_months": 12, "main_parts": ["压缩机"], "main_parts_months": 36,
        "wearing_parts": ["门封条"], "return_days": 7, "exchange_days": 15, "safe_use_years": 10}


async def policy(client, category: str = "冰箱", region: str = "mainland") -> dict:
    policies = (await client.get("/api/v1/warranty-policies", headers=STAFF_HEADERS)).json()
    [found] = [p for p in policies if (p["category"], p["region"]) == (category, region)]
    return found


REFUSED = [
    ({"whole_unit_months": -1}, "whole_unit_months"),
    ({"whole_unit_months": 0}, "whole_unit_months"),
    ({"whole_unit_months": 600}, "whole_unit_months"),
    ({"main_parts_months": 6}, "main_parts_months must not be shorter than whole_unit_months"),
    ({"main_parts_months": 999}, "main_parts_months"),
    ({"main_parts": [], "main_parts_months": 36}, "needs the main parts"),
    ({"wearing_parts": ["压缩机"]}, "either main or wearing"),
    ({"return_days": -7}, "return_days"),
    ({"return_days": 20, "exchange_days": 15}, "exchange_days must not be shorter"),
    ({"exchange_days": 400}, "exchange_days"),
    ({"safe_use_years": 0}, "safe_use_years"),
    ({"safe_use_years": 2}, "outlast the safe-use life"),
    ({"safe_use_years": 80}, "safe_use_years"),
    ({"whole_unit_months": "a year"}, "whole_unit_months"),
    ({"main_parts": ["x" * 21]}, "main_parts"),
    # The Mainland's 三包 floors.
    ({"whole_unit_months": 6, "main_parts_months": 36}, "whole_unit_months at least 12"),
    ({"main_parts_months": 24}, "main_parts_months at least 36"),
    ({"main_parts_months": None}, "main_parts_months at least 36"),
    ({"return_days": 3}, "return_days at least 7"),
    ({"return_days": 0, "exchange_days": 0}, "exchange_days at least 15"),
]


def refusal(body: dict, region: Region) -> str | None:
    """Why the backend refuses a policy (schema, then the region's law), or None."""
    try:
        service.check_statutory(region, PolicyIn.model_validate(body))
    except (ValidationError, service.PolicyRefused) as error:
        return str(error)
    return None


@pytest.mark.parametrize(("change", "named"), REFUSED)
def test_a_policy_that_makes_no_sense_is_refused_naming_why(change, named) -> None:
    assert named in (refusal({**GOOD, **change}, Region.mainland) or "accepted")


def test_the_seeded_policies_pass_their_own_checks() -> None:
    for row in service.default_policies():
        assert refusal(row, Region(row["region"])) is None, row


@pytest.mark.parametrize(("change", "named"), [REFUSED[3], REFUSED[-1]])
async def test_a_refused_policy_is_a_422_and_changes_nothing(client, change, named) -> None:
    before = await policy(client)
    response = await client.put(FRIDGE, json={**GOOD, **change}, headers=STAFF_HEADERS)
    assert response.status_code == 422, response.text
    assert named in response.text
    assert await policy(client) == before


async def test_hong_kong_and_taiwan_have_no_return_or_exchange_floor(client) -> None:
    plain = {**GOOD, "whole_unit_months": 6, "main_parts_months": 24, "return_days": 0,
             "exchange_days": 0}
    for region in ("hong_kong", "taiwan"):
        response = await client.put(f"/api/v1/warranty-policies/fridge/{region}", json=plain,
                                    headers=STAFF_HEADERS)
        assert response.status_code == 200, response.text


async def test_an_admin_s_change_records_who_and_when(client, role_headers) -> None:
    before = await policy(client)
    response = await client.put(FRIDGE, json={**GOOD, "whole_unit_months": 24,
                                              "main_parts": [" 压缩机 ", "压缩机", "主板"],
                                              "main_parts_months": 72},
                                headers=role_headers[Role.admin])
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["updated_by"] == "staff:admin1" and saved["updated_at"] > before["updated_at"]
    assert saved["main_parts"] == ["压缩机", "主板"]  # trimmed, each once
    assert (await policy(client))["whole_unit_months"] == 24


async def test_only_admins_change_a_policy_and_every_staff_member_reads_them(
        client, role_headers) -> None:
    for role, headers in role_headers.items():
        changed = await client.put(FRIDGE, json=GOOD, headers=headers)
        assert changed.status_code == (200 if role == Role.admin else 403), role
        listed = await client.get("/api/v1/warranty-policies", headers=headers)
        assert listed.status_code == 200, role
    for headers in (SERVICE_HEADERS, {}):
        assert (await client.put(FRIDGE, json=GOOD, headers=headers)).status_code == 401
