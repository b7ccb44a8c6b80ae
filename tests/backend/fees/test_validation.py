"""What the fee standard refuses (422, naming the field), on SQLite and PostgreSQL: negative or
over-precise amounts, an item without its three names, a code twice, no reason; and who may
change it: admins; every staff member reads it; the bot and nobody neither."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.fees.schemas import ItemChange, StandardIn
from backend.staff.enums import Role
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.customers.roles import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    role_headers,
    token_for,
)
from tests.backend.fees.support import NAMES, STANDARDS, item, item_body, set_item, standard

ITEM = {"code": "AC-GAS", **{k: v for k, v in item_body().items() if k != "reason"}}


def whole(**overrides) -> dict:
    return {"visit_fee": "30", "declined_quote_pays_visit": True, "items": [ITEM],
            "reason": "年度调整", **overrides}


REFUSED_ITEMS = [
    ({"price": "-1"}, "price"),
    ({"price": -0.01}, "price"),
    ({"price": "12.345"}, "decimal places"),
    ({"price": "1000000.01"}, "price"),
    ({"price": "free"}, "price"),
    ({"names": {"zh-Hans": "空调加氟", "en": "AC gas"}}, "zh-Hant"),
    ({"names": {**NAMES, "en": "   "}}, "en"),
    ({"names": {**NAMES, "zh-Hans": "x" * 101}}, "zh-Hans"),
    ({"category": "自行车"}, "not a product category"),
    ({"repair_type": "polishing"}, "repair_type"),
    ({"reason": " "}, "reason"),
    ({"reason": None}, "reason"),
]


@pytest.mark.parametrize(("change", "named"), REFUSED_ITEMS)
def test_an_item_that_makes_no_sense_is_refused_naming_why(change, named) -> None:
    with pytest.raises(ValidationError, match=named):
        ItemChange.model_validate(item_body(**change))


@pytest.mark.parametrize(("change", "named"), [
    ({"visit_fee": "-30"}, "visit_fee"),
    ({"visit_fee": "30.001"}, "decimal places"),
    ({"items": [ITEM, {**ITEM, "code": "ac-gas"}]}, "AC-GAS given twice"),
    ({"items": [{**ITEM, "code": "AC GAS"}]}, "code"),
    ({"items": [{**ITEM, "code": ""}]}, "code"),
    ({"reason": ""}, "reason"),
])
def test_a_standard_that_makes_no_sense_is_refused_naming_why(change, named) -> None:
    with pytest.raises(ValidationError, match=named):
        StandardIn.model_validate(whole(**change))


def test_amounts_are_exact_and_names_trimmed() -> None:
    change = ItemChange.model_validate(item_body(price=0.1, category="冷氣",
                                                 names={**NAMES, "en": "  AC gas "}))
    assert (str(change.price), change.category, change.names.en) == ("0.1", "空调", "AC gas")
    assert StandardIn.model_validate(whole(items=[])).items == []  # a region may list none


async def test_a_refused_change_is_a_422_and_changes_nothing(client) -> None:
    before = await standard(client)
    for change, named in (REFUSED_ITEMS[0], REFUSED_ITEMS[5], REFUSED_ITEMS[10]):
        response = await set_item(client, **change)
        assert response.status_code == 422, response.text
        assert named in response.text
    twice = await client.put(f"{STANDARDS}/mainland", json=whole(
        items=[ITEM, {**ITEM, "code": "ac-gas"}]), headers=STAFF_HEADERS)
    assert twice.status_code == 422 and "given twice" in twice.text
    bad_code = await set_item(client, code="AC%20GAS")
    assert bad_code.status_code == 422
    assert await standard(client) == before


async def test_only_admins_change_the_standard_and_every_staff_member_reads_it(
        client, role_headers) -> None:
    for role, headers in role_headers.items():
        changed = await set_item(client, headers=headers, price=f"{200 + len(role)}")
        assert changed.status_code == (200 if role == Role.admin else 403), role
        for path in (STANDARDS, f"{STANDARDS}/taiwan", f"{STANDARDS}/taiwan/versions",
                     f"{STANDARDS}/taiwan/versions/1"):
            assert (await client.get(path, headers=headers)).status_code == 200, (role, path)
    current = await standard(client)
    assert current["changed_by"] == "staff:admin1"
    assert item(current, "AC-GAS")["price"] == f"{200 + len('admin')}.00"
    for headers in (SERVICE_HEADERS, {}):
        assert (await set_item(client, headers=headers)).status_code == 401
        assert (await client.get(STANDARDS, headers=headers)).status_code == 401
        removed = await client.delete(f"{STANDARDS}/mainland/items/AC-GAS",
                                      params={"reason": "x"}, headers=headers)
        assert removed.status_code == 401
