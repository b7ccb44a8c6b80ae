"""Tickets about a product the customer registered, on SQLite and PostgreSQL: a repair names
the product and keeps its warranty of that day; someone else's product is not linked; an
installation completed is recorded in the archive (or registers the product); the technician
confirms the model and serial on site."""

from __future__ import annotations

from datetime import timedelta

import httpx

from backend.kernel.clock import local_now
from backend.products.warranty import add_months
from backend.staff.enums import Role
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.factories import ADDRESS
from tests.backend.sla.conftest import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    token_for,
)

MINE = "/api/v1/customers/telegram/42/products"
THEIRS = "/api/v1/customers/telegram/43/products"


async def register(client: httpx.AsyncClient, path: str = MINE, **body) -> dict:
    response = await client.post(path, json={"category": "冰箱", **body},
                                 headers=SERVICE_HEADERS)
    assert response.status_code == 201, response.text
    return response.json()


async def detail(client: httpx.AsyncClient, number: str) -> dict:
    return (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()


async def products(client: httpx.AsyncClient, path: str = MINE) -> list[dict]:
    return (await client.get(path, headers=SERVICE_HEADERS)).json()


async def test_a_repair_of_a_registered_product_keeps_its_warranty_of_that_day(client,
                                                                                create) -> None:
    bought = local_now("Asia/Shanghai").date() - timedelta(days=400)
    fridge = await register(client, brand="海尔", purchase_date=bought.isoformat())
    created = await create(key="k1", product="雪櫃", product_id=fridge["id"])
    assert created.status_code == 201, created.text
    assert created.json()["warranty"]["coverage"] == "main_parts_only"  # the customer's view
    ticket = await detail(client, created.json()["number"])
    assert ticket["product_id"] == fridge["id"] and ticket["product"] == "冰箱"
    warranty = ticket["warranty"]
    assert (warranty["coverage"], warranty["main_parts"]) == ("main_parts_only", ["压缩机"])
    assert warranty["whole_unit_until"] == add_months(bought, 12).isoformat()
    assert warranty["main_parts_until"] == add_months(bought, 36).isoformat()


async def test_someone_elses_product_is_not_linked(client, create) -> None:
    theirs = await register(client, THEIRS)
    created = await create(key="k1", product_id=theirs["id"])
    assert created.status_code == 201, created.text
    ticket = await detail(client, created.json()["number"])
    assert (ticket["product_id"], ticket["warranty"]) == (None, None)
    missing = await create(key="k2", product_id=999_999)
    assert missing.status_code == 201 and (await detail(client, missing.json()["number"]))[
        "product_id"] is None


async def test_a_completed_installation_registers_the_product_installed(client, create,
                                                                         change_status) -> None:
    number = (await create(key="k1", type="installation", product="冷氣", description="",
                           details={"delivered": "yes"})).json()["number"]
    assert await products(client) == []
    assert (await change_status(number, "resolved")).status_code == 200
    [aircon] = await products(client)
    today = local_now("Asia/Shanghai").date().isoformat()
    assert (aircon["category"], aircon["source"], aircon["installed_on"]) == (
        "空调", "technician", today)
    assert (await detail(client, number))["product_id"] == aircon["id"]


async def test_an_installation_of_a_registered_product_records_where_and_when(
        client, create, change_status) -> None:
    fridge = await register(client)
    number = (await create(key="k1", type="installation", description="",
                           product_id=fridge["id"], details={"delivered": "yes"})
              ).json()["number"]
    await change_status(number, "resolved")
    [product] = await products(client)
    assert product["id"] == fridge["id"] and product["installed_on"] is not None
    assert product["warranty"] is not None and (await detail(client, number))["warranty"] is None


async def test_the_technician_confirms_the_model_and_serial_on_site(client, create, add_staff,
                                                                     token_for) -> None:
    theirs = await register(client, THEIRS, serial="SN-0001-XY")
    number = (await create(key="k1")).json()["number"]  # a fridge, none registered
    tom = await add_staff("tom", Role.technician)
    headers = await token_for(tom)
    path = f"/api/v1/tickets/{number}/product"
    # Not theirs to read until it is assigned to them.
    assert (await client.post(path, json={"model": "BCD-470"}, headers=headers)
            ).status_code == 404
    await client.post(f"/api/v1/tickets/{number}/assign", json={"assignee": "tom"},
                      headers=STAFF_HEADERS)
    assert (await client.post(path, json={}, headers=headers)).status_code == 422
    confirmed = await client.post(path, json={"model": "BCD-470", "serial": "sn 0001 xy"},
                                  headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["events"][-1]["kind"] == "product_confirmed"
    assert "SN0001XY" not in str(confirmed.json()["events"])  # names the fields, not values
    [fridge] = await products(client)
    assert (fridge["model"], fridge["serial"], fridge["source"]) == (
        "BCD-470", "SN0001XY", "technician")
    assert fridge["duplicate_of"] == theirs["id"]  # the serial another customer registered

    ticket = await detail(client, number)
    assert ticket["registered_product"]["serial"] == "SN0001XY"  # what the ticket page shows
    complaint = (await create(key="k3", type="complaint", description="态度差", address=None)
                 ).json()["number"]
    assert (await client.post(f"/api/v1/tickets/{complaint}/product", json={"model": "K1"},
                              headers=STAFF_HEADERS)).status_code == 422
    kettle = (await create(key="k2", product="电水壶")).json()["number"]
    refused = await client.post(f"/api/v1/tickets/{kettle}/product", json={"model": "K1"},
                                headers=STAFF_HEADERS)
    assert refused.status_code == 422


async def test_the_address_of_an_installation_is_kept_with_the_product(app, client, create,
                                                                       change_status) -> None:
    number = (await create(key="k1", type="installation", product="洗衣机", description="",
                           details={"delivered": "yes"})).json()["number"]
    await change_status(number, "resolved")
    from sqlalchemy import select

    from backend.products.models import CustomerProduct

    async with app.state.sessionmaker() as session:
        [product] = (await session.execute(select(CustomerProduct))).scalars().all()
        assert product.install_address == ADDRESS


async def test_a_product_removed_leaves_its_tickets_unlinked(app, client, create) -> None:
    """ON DELETE SET NULL (on SQLite too, where the column was added in place)."""
    from sqlalchemy import delete

    from backend.products.models import CustomerProduct

    fridge = await register(client)
    number = (await create(key="k1", product_id=fridge["id"])).json()["number"]
    async with app.state.sessionmaker() as session:
        await session.execute(delete(CustomerProduct).where(CustomerProduct.id == fridge["id"]))
        await session.commit()
    ticket = await detail(client, number)
    assert ticket["product_id"] is None and ticket["warranty"]["coverage"] == "unknown"


async def test_a_serial_corrected_on_site_lets_go_of_the_duplicates_it_flagged(client,
                                                                              create) -> None:
    """The technician's serial goes through the same rule as staff's corrections: a product
    flagged as a duplicate of this one is no longer, once this one's serial is another."""
    mine = await register(client, serial="SN-5555-AB")
    theirs = await register(client, THEIRS, serial="SN-5555-AB")
    assert theirs["duplicate_of"] == mine["id"]
    number = (await create(key="k1", product_id=mine["id"])).json()["number"]
    confirmed = await client.post(f"/api/v1/tickets/{number}/product",
                                  json={"serial": "SN-6666-AB"}, headers=STAFF_HEADERS)
    assert confirmed.status_code == 200, confirmed.text
    [again] = await products(client, THEIRS)
    assert again["duplicate_of"] is None
