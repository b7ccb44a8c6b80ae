"""The customer page's products API on SQLite and PostgreSQL: staff list a customer's
products with their warranty; those who may change the record (agents, supervisors, admins)
add (source staff), correct, remove them and settle a serial number registered twice; who did
it is logged, without the values."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import text

from backend.kernel.clock import local_now
from backend.staff.enums import Role
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.customers.roles import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    role_headers,
    token_for,
)

EDITORS = {Role.agent, Role.supervisor, Role.admin}
FINDERS = EDITORS | {Role.dispatcher}


def today() -> date:
    return local_now("Asia/Shanghai").date()


def products_of(customer_id: int) -> str:
    return f"/api/v1/customers/{customer_id}/products"


async def customer(client, chat_id: str = "42") -> int:
    """A customer (made by the bot registering a product of theirs); their id."""
    response = await client.post(f"/api/v1/customers/telegram/{chat_id}/products",
                                 json={"category": "电视", "serial": f"TV-{chat_id}"},
                                 headers=SERVICE_HEADERS)
    assert response.status_code == 201, response.text
    product = await client.get(f"/api/v1/products/{response.json()['id']}",
                               headers=STAFF_HEADERS)
    return int(product.json()["customer_id"])


async def add(client, customer_id: int, headers=STAFF_HEADERS, **body):
    return await client.post(products_of(customer_id), json={"category": "空调", **body},
                             headers=headers)


async def test_staff_add_list_correct_and_remove_a_product(client) -> None:
    me = await customer(client)
    bought = today() - timedelta(days=400)
    created = await add(client, me, brand="Gree", model="KFR-35GW", serial="gr 35-01",
                        purchase_date=bought.isoformat(), purchased_from="苏宁望京店",
                        installed_on=(bought + timedelta(days=2)).isoformat(),
                        install_address="望京西路48号", region="mainland")
    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["source"], product["serial"], product["customer_id"]) == ("staff", "GR3501", me)
    assert product["warranty"]["coverage"] == "main_parts_only"
    assert product["warranty"]["main_parts"] == ["压缩机"]
    assert product["warranty"]["safe_use_years"] == 10

    listed = (await client.get(products_of(me), headers=STAFF_HEADERS)).json()
    assert [p["category"] for p in listed] == ["电视", "空调"]  # oldest first

    url = f"/api/v1/products/{product['id']}"
    corrected = await client.patch(url, json={"purchase_date": today().isoformat(),
                                              "installed_on": today().isoformat(),
                                              "purchased_from": "", "brand": "  Gree  "},
                                   headers=STAFF_HEADERS)
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["warranty"]["coverage"] == "whole_unit"
    assert (corrected.json()["purchased_from"], corrected.json()["brand"]) == (None, "Gree")

    assert (await client.delete(url, headers=STAFF_HEADERS)).status_code == 204
    assert (await client.get(url, headers=STAFF_HEADERS)).status_code == 404
    assert (await client.delete(url, headers=STAFF_HEADERS)).status_code == 404
    assert len((await client.get(products_of(me), headers=STAFF_HEADERS)).json()) == 1


async def test_a_serial_number_registered_twice_is_flagged_and_settled(client) -> None:
    first, second, third = [await customer(client, chat) for chat in ("41", "42", "43")]
    original = (await add(client, first, serial="AC-77")).json()
    again = await add(client, first, serial="ac 77")  # the same customer: theirs
    assert (again.status_code, again.json()["id"]) == (200, original["id"])

    flagged = (await add(client, second, serial="AC77")).json()
    assert (flagged["duplicate_of"], flagged["duplicate_customer_id"]) == (original["id"], first)
    also = (await add(client, third, serial="AC77")).json()
    assert also["duplicate_of"] == original["id"]

    kept = await client.post(f"/api/v1/products/{flagged['id']}/keep", headers=STAFF_HEADERS)
    assert kept.status_code == 200 and kept.json()["duplicate_of"] is None
    # The first holder removed (sold on): the later ones point at the earliest one left.
    assert (await client.delete(f"/api/v1/products/{original['id']}",
                                headers=STAFF_HEADERS)).status_code == 204
    [now] = [p for p in (await client.get(products_of(third), headers=STAFF_HEADERS)).json()
             if p["id"] == also["id"]]
    assert (now["duplicate_of"], now["duplicate_customer_id"]) == (flagged["id"], second)

    # A correction to someone else's serial number flags it; to a free one clears the flag.
    mine = (await add(client, first, serial="FREE-1")).json()
    taken = await client.patch(f"/api/v1/products/{mine['id']}", json={"serial": "tv-42"},
                               headers=STAFF_HEADERS)
    assert taken.json()["duplicate_of"] is not None and taken.json()["duplicate_customer_id"] == second
    freed = await client.patch(f"/api/v1/products/{mine['id']}", json={"serial": "FREE-2"},
                               headers=STAFF_HEADERS)
    assert freed.json()["duplicate_of"] is None


REFUSED = [
    ({"category": "toaster"}, "category"),
    ({"purchase_date": "2999-01-01"}, "after today"),
    ({"purchase_date": "1900-01-01"}, "purchase_date"),
    ({"purchase_date": "2024-05-02", "installed_on": "2024-05-01"}, "installed_on"),
    ({"region": "macau"}, "region"),
    ({"serial": "x" * 65}, "serial"),
    ({"install_address": "望京\x00西路"}, "install_address"),
]


async def test_what_cannot_be_a_product_is_a_clear_422(client) -> None:
    me = await customer(client)
    for body, where in REFUSED:
        response = await add(client, me, **body)
        assert response.status_code == 422, body
        assert where in response.text, body
        assert "望京" not in response.text  # the input is not echoed
    assert len((await client.get(products_of(me), headers=STAFF_HEADERS)).json()) == 1


async def test_a_correction_is_checked_against_what_is_stored(client) -> None:
    me = await customer(client)
    product = (await add(client, me, purchase_date="2024-05-02")).json()
    refused = await client.patch(f"/api/v1/products/{product['id']}",
                                 json={"installed_on": "2024-05-01"}, headers=STAFF_HEADERS)
    assert refused.status_code == 422 and "installed_on" in refused.text


async def test_no_customer_is_404_and_an_erased_one_gets_nothing_personal_again(client) -> None:
    assert (await client.get(products_of(999), headers=STAFF_HEADERS)).status_code == 404
    assert (await add(client, 999)).status_code == 404
    me = await customer(client)
    erased = await client.delete("/api/v1/customers/telegram/42/personal-data",
                                 headers=SERVICE_HEADERS)
    assert erased.status_code == 200
    assert (await client.get(products_of(me), headers=STAFF_HEADERS)).json() == []
    refused = await add(client, me, install_address="望京西路48号")
    assert refused.status_code == 409


async def test_who_may_read_and_who_may_change_a_customer_s_products(client,
                                                                      role_headers) -> None:
    me = await customer(client)
    for role, headers in role_headers.items():
        listed = await client.get(products_of(me), headers=headers)
        assert listed.status_code == (200 if role in FINDERS else 403), role
        added = await add(client, me, headers=headers, serial=f"S-{role}")
        assert added.status_code == (201 if role in EDITORS else 403), role
    product = (await add(client, me, serial="S-0")).json()["id"]
    for role, headers in role_headers.items():
        kept = await client.post(f"/api/v1/products/{product}/keep", headers=headers)
        assert kept.status_code == (200 if role in EDITORS else 403), role
        # Those who change records correct it (a technician confirms one on its ticket).
        patched = await client.patch(f"/api/v1/products/{product}", json={"model": role},
                                     headers=headers)
        assert patched.status_code == (200 if role in EDITORS else 403), role
        read = await client.get(f"/api/v1/products/{product}", headers=headers)
        assert read.status_code == (200 if role in FINDERS else 403), role
    for role, headers in role_headers.items():
        removed = await client.delete(f"/api/v1/products/{product}", headers=headers)
        assert removed.status_code == (403 if role not in EDITORS else
                                       204 if role == Role.agent else 404), role
    for headers in (SERVICE_HEADERS, {}):
        assert (await client.get(products_of(me), headers=headers)).status_code == 401
        assert (await add(client, me, headers=headers)).status_code == 401


async def test_staff_changes_are_logged_with_who_without_the_values(app, client, caplog,
                                                                    role_headers) -> None:
    caplog.set_level(logging.INFO, logger="backend.products.service")
    me = await customer(client)
    product = (await add(client, me, headers=role_headers["agent"],
                         install_address="望京西路48号", purchased_from="国美电器")).json()
    await client.patch(f"/api/v1/products/{product['id']}", json={"model": "KFR-72LW"},
                       headers=role_headers["supervisor"])
    await client.delete(f"/api/v1/products/{product['id']}", headers=role_headers["supervisor"])
    log = caplog.text
    assert f"product {product['id']} of customer {me} added by staff:agent1" in log
    assert "install_address" in log and "望京" not in log and "国美" not in log
    assert "corrected by staff:supervisor1 (model)" in log and "KFR-72LW" not in log
    assert "removed by staff:supervisor1" in log


async def test_what_staff_add_is_ciphertext_at_rest(app, client) -> None:
    me = await customer(client)
    await add(client, me, install_address="望京西路48号", purchased_from="国美电器")
    async with app.state.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT purchased_from, install_address FROM customer_products "
            "WHERE source = 'staff'"))).all()
    assert all(value.startswith("gAAAAA") for row in rows for value in row)
