"""A customer's products through the API, on SQLite and PostgreSQL: registered by the bot for
the chat, listed with the warranty each has today by its category's policy, a serial number
held by someone else flagged, corrected by staff; the policies seeded and kept by admins;
export and erasure include them."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import text

from backend.kernel.clock import local_now
from backend.products.warranty import add_months
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS

MINE = "/api/v1/customers/telegram/42/products"
THEIRS = "/api/v1/customers/telegram/43/products"


def today() -> date:
    return local_now("Asia/Shanghai").date()


async def register(client: httpx.AsyncClient, path: str = MINE, **body) -> httpx.Response:
    return await client.post(path, json={"category": "冷氣", **body}, headers=SERVICE_HEADERS)


async def test_a_registered_product_is_listed_with_its_warranty_today(client) -> None:
    bought = today() - timedelta(days=30)
    created = await register(client, brand="Gree", model="KFR-35GW", serial="sn 12 ab",
                             purchase_date=bought.isoformat(), purchased_from="京东自营店")
    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["category"], product["serial"], product["source"]) == ("空调", "SN12AB",
                                                                          "customer")
    warranty = product["warranty"]
    assert warranty["coverage"] == "whole_unit" and warranty["main_parts"] == ["压缩机"]
    assert warranty["whole_unit_until"] == add_months(bought, 12).isoformat()
    assert warranty["main_parts_until"] == add_months(bought, 36).isoformat()
    assert warranty["return_until"] == (bought + timedelta(days=7)).isoformat()
    assert warranty["safe_use_years"] == 10

    listed = (await client.get(MINE, headers=SERVICE_HEADERS)).json()
    assert [p["id"] for p in listed] == [product["id"]]
    assert (await client.get(THEIRS, headers=SERVICE_HEADERS)).json() == []


@pytest.mark.parametrize(("years_ago", "coverage"), [
    (2, "main_parts_only"), (5, "expired"), (None, "unknown")])
async def test_the_cover_follows_the_purchase_date(client, years_ago, coverage) -> None:
    bought = None if years_ago is None else today() - timedelta(days=365 * years_ago + 3)
    product = (await register(client, category="fridge", purchase_date=bought and
                              bought.isoformat())).json()
    assert product["warranty"]["coverage"] == coverage


async def test_the_same_serial_number_is_one_product_and_someone_else_s_is_flagged(client):
    first = await register(client, serial="AB-1")
    again = await register(client, serial="ab-1")  # the same customer: theirs, not a second
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len((await client.get(MINE, headers=SERVICE_HEADERS)).json()) == 1

    other = await register(client, THEIRS, serial="AB 1")
    assert other.status_code == 201 and other.json()["duplicate_of"] == first.json()["id"]
    retried = await register(client, THEIRS, serial="AB1")
    assert retried.json()["id"] == other.json()["id"]  # flagged once, not again


@pytest.mark.parametrize("body", [
    {"category": "toaster"},
    {"category": "空调", "purchase_date": "2999-01-01"},
    {"category": "空调", "brand": "Gr\x00ee"},
    {"category": "空调", "region": "macau"},
])
async def test_what_cannot_be_a_product_is_a_422(client, body) -> None:
    response = await client.post(MINE, json=body, headers=SERVICE_HEADERS)
    assert response.status_code == 422, response.text
    assert (await client.get(MINE, headers=SERVICE_HEADERS)).json() == []


async def test_staff_correct_a_product_and_see_its_warranty(client) -> None:
    product = (await register(client, model="kfr35")).json()
    url = f"/api/v1/products/{product['id']}"
    corrected = await client.patch(url, json={"model": "KFR-35GW/BP", "serial": "x 9",
                                              "purchase_date": today().isoformat()},
                                   headers=STAFF_HEADERS)
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["model"], corrected.json()["serial"]) == ("KFR-35GW/BP", "X9")
    assert corrected.json()["category"] == "空调"  # not given, not changed
    assert (await client.get(url, headers=STAFF_HEADERS)).json()["warranty"]["coverage"] == \
        "whole_unit"
    assert (await client.get("/api/v1/products/999", headers=STAFF_HEADERS)).status_code == 404
    assert (await client.get(url, headers=SERVICE_HEADERS)).status_code == 401


async def test_policies_are_seeded_per_category_and_region_and_kept_by_admins(client) -> None:
    policies = (await client.get("/api/v1/warranty-policies", headers=STAFF_HEADERS)).json()
    assert len(policies) == 13 * 3
    aircon = {p["region"]: p for p in policies if p["category"] == "空调"}
    assert (aircon["mainland"]["whole_unit_months"], aircon["mainland"]["main_parts_months"],
            aircon["mainland"]["return_days"], aircon["mainland"]["exchange_days"]) == (12, 36, 7,
                                                                                       15)
    assert aircon["hong_kong"]["return_days"] == 0  # no 三包 outside the Mainland

    bought = today() - timedelta(days=800)
    product = (await register(client, purchase_date=bought.isoformat())).json()
    assert product["warranty"]["coverage"] == "main_parts_only"
    changed = await client.put("/api/v1/warranty-policies/air conditioner/mainland",
                               json={"whole_unit_months": 72, "main_parts": ["压缩机"],
                                     "main_parts_months": 120, "return_days": 7,
                                     "exchange_days": 15}, headers=STAFF_HEADERS)
    assert changed.status_code == 200, changed.text
    assert changed.json()["updated_by"]
    [now] = (await client.get(MINE, headers=SERVICE_HEADERS)).json()
    assert now["warranty"]["coverage"] == "whole_unit"
    assert (await client.put("/api/v1/warranty-policies/toaster/mainland",
                             json={"whole_unit_months": 12},
                             headers=STAFF_HEADERS)).status_code == 422


async def test_where_they_live_and_shop_is_ciphertext_at_rest(app, client) -> None:
    await register(client, purchased_from="国美电器望京店", install_address="望京西路48号")
    async with app.state.engine.connect() as connection:
        [(shop, address)] = (await connection.execute(text(
            "SELECT purchased_from, install_address FROM customer_products"))).all()
    assert shop.startswith("gAAAAA") and address.startswith("gAAAAA")
    assert "国美" not in shop and "望京" not in address


async def test_the_export_lists_them_and_the_erasure_removes_them(client) -> None:
    await register(client, brand="Gree", install_address="望京西路48号")
    exported = await client.get("/api/v1/customers/telegram/42/personal-data",
                                headers=SERVICE_HEADERS)
    assert exported.status_code == 200, exported.text
    [product] = exported.json()["products"]
    assert (product["brand"], product["install_address"]) == ("Gree", "望京西路48号")

    erased = await client.delete("/api/v1/customers/telegram/42/personal-data",
                                 headers=SERVICE_HEADERS)
    assert erased.status_code == 200, erased.text
    assert (await client.get(MINE, headers=SERVICE_HEADERS)).json() == []
