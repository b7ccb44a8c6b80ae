"""The photo of an invoice or a nameplate kept with the customer's product, on SQLite and
PostgreSQL (backend/products/photos/store.py): a photo read is kept, encrypted, for the chat's
customer and its token returned; the registration that names it keeps it with the product (a
token of another customer's photo is ignored); staff of the desk open it (not technicians:
403), never cached, who opened it logged; a product removed takes its photos with it; the
export holds them and the erasure deletes them. Nothing of an image or of what was read in it
is logged."""

from __future__ import annotations

import base64
import logging

import pytest

from backend.staff.enums import Role
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.customers.roles import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    role_headers,
    token_for,
)
from tests.backend.products.photo_support import (  # noqa: F401
    READ_FIELDS,
    jpeg,
    png,
    quick_reading,
    read,
    register,
    staff_product,
    stored,
    token_of,
)
from tests.backend.products.photos.generate import font_path, sample

FINDERS = {Role.agent, Role.dispatcher, Role.supervisor, Role.admin}


@pytest.mark.skipif(font_path() is None, reason="no CJK font to draw the photo: install "
                    "Debian's fonts-noto-cjk (CI does)")
async def test_a_photo_read_is_kept_encrypted_for_the_chats_customer(app, client,
                                                                     caplog) -> None:
    photo = sample("nameplate", "hans", 1)
    with caplog.at_level(logging.DEBUG):
        answer = await read(client, photo.jpeg)
    assert answer.status_code == 200, answer.text
    reading = answer.json()
    assert (reading["kind"], reading["readable"]) == ("nameplate", True)
    [row] = await stored(app)
    assert row["token"] == reading["photo"] and row["product_id"] is None
    assert (row["kind"], row["content_type"], row["size"]) == ("nameplate", "image/jpeg",
                                                               len(photo.jpeg))
    assert row["data"].startswith("gAAAAA")  # Fernet: the image is ciphertext at rest
    assert base64.urlsafe_b64encode(photo.jpeg[:300])[:200].decode() not in row["data"]
    # The customer is the chat's: the one its products are registered for.
    product = (await register(client, serial="AX-1")).json()
    assert (await staff_product(client, product["id"]))["customer_id"] == row["customer_id"]
    read_values = [str(value) for value in photo.truth.values()]
    assert not [value for value in read_values if value in caplog.text], caplog.text


async def test_a_file_that_is_no_image_is_not_kept(app, client) -> None:
    answer = await read(client, b"%PDF-1.7 an invoice, but not a photo")
    assert answer.status_code == 422
    assert await stored(app) == []


async def test_the_registration_keeps_its_photos_and_ignores_another_customers(
        app, client, quick_reading, caplog) -> None:
    caplog.set_level(logging.INFO)  # (DEBUG: the database drivers' own statements)
    invoice, nameplate = await token_of(client, jpeg(10)), await token_of(client, png())
    theirs = await token_of(client, jpeg(200), chat_id="43")

    created = await register(client, serial="KF-1", photos=[invoice, nameplate, theirs,
                                                            "no-such-photo-0123456789abcdef"])
    assert created.status_code == 201, created.text
    product = await staff_product(client, created.json()["id"])
    assert [(p["kind"], p["content_type"]) for p in product["photos"]] == [
        ("invoice", "image/jpeg"), ("invoice", "image/png")]
    assert "photos" not in created.json()  # the customer's own view: no photos listed
    rows = {row["token"]: row for row in await stored(app)}
    assert rows[theirs]["product_id"] is None  # still theirs, linked to nothing
    assert rows[theirs]["customer_id"] != product["customer_id"]

    # Linked once: another registration naming it does not take it over.
    other = await register(client, category="冰箱", photos=[invoice])
    assert (await staff_product(client, other.json()["id"]))["photos"] == []
    # The same registration sent again (the same serial number): the same product, and a
    # photo read since is kept with it.
    later = await token_of(client, jpeg(30))
    again = await register(client, serial="KF-1", photos=[invoice, later])
    assert again.status_code == 200 and again.json()["id"] == product["id"]
    assert len((await staff_product(client, product["id"]))["photos"]) == 3
    # The other customer's own registration keeps theirs.
    their_product = (await register(client, chat_id="43", photos=[theirs])).json()
    assert len((await staff_product(client, their_product["id"]))["photos"]) == 1

    assert (await register(client, photos=["not a token"])).status_code == 422
    assert (await register(client, photos=[invoice] * 11)).status_code == 422
    logged = caplog.text
    assert not [value for value in READ_FIELDS.values() if value in logged]
    assert not [token for token in (invoice, nameplate, theirs) if token in logged]


async def test_the_desk_opens_a_photo_and_technicians_cannot(app, client, quick_reading,
                                                           role_headers, caplog) -> None:
    image = jpeg(60)
    product = await staff_product(client, (await register(
        client, photos=[await token_of(client, image)])).json()["id"])
    # The customer page's list has it (the desk's view of the customer's products).
    [listed] = (await client.get(f"/api/v1/customers/{product['customer_id']}/products",
                                 headers=STAFF_HEADERS)).json()
    [photo] = listed["photos"]
    assert (photo["kind"], photo["size"]) == ("invoice", len(image))
    path = f"/api/v1/products/{product['id']}/photos/{photo['id']}"
    caplog.set_level(logging.INFO, logger="backend.products.photos.store")
    for role, headers in role_headers.items():
        answer = await client.get(path, headers=headers)
        assert answer.status_code == (200 if role in FINDERS else 403), role
        if role in FINDERS:
            assert answer.content == image
            assert answer.headers["content-type"] == "image/jpeg"
            assert answer.headers["cache-control"] == "no-store"
            assert answer.headers["content-disposition"].startswith("inline;")
            assert f"shown to staff:{role}1" in caplog.text
    assert "shown to staff:technician1" not in caplog.text
    for headers in (SERVICE_HEADERS, {}):
        assert (await client.get(path, headers=headers)).status_code == 401
    # Only through its own product.
    other = (await register(client, category="冰箱")).json()
    wrong = await client.get(f"/api/v1/products/{other['id']}/photos/{photo['id']}",
                             headers=STAFF_HEADERS)
    assert wrong.status_code == 404


async def test_a_product_removed_takes_its_photos_with_it(app, client, quick_reading) -> None:
    removed = (await register(client, serial="R-1",
                              photos=[await token_of(client, jpeg(1))])).json()
    kept = (await register(client, serial="R-2",
                           photos=[await token_of(client, jpeg(2))])).json()
    unlinked = await token_of(client, jpeg(3))
    answer = await client.delete(f"/api/v1/products/{removed['id']}", headers=STAFF_HEADERS)
    assert answer.status_code == 204
    rows = await stored(app)
    assert [row["product_id"] for row in rows] == [kept["id"], None]
    assert rows[1]["token"] == unlinked


async def test_the_export_holds_the_photos_and_the_erasure_deletes_them(
        app, client, quick_reading) -> None:
    invoice, later = jpeg(120), png()
    product = (await register(client, photos=[await token_of(client, invoice)])).json()
    await token_of(client, later)  # sent, not (yet) registered
    theirs = await token_of(client, jpeg(5), chat_id="43")

    exported = await client.get("/api/v1/customers/telegram/42/personal-data",
                                headers=SERVICE_HEADERS)
    assert exported.status_code == 200, exported.text
    data = exported.json()
    assert [p["id"] for p in data["products"]] == [product["id"]]
    assert [(p["kind"], p["product_id"], p["content_type"], p["size"])
            for p in data["photos"]] == [("invoice", product["id"], "image/jpeg", len(invoice)),
                                         ("invoice", None, "image/png", len(later))]
    assert [base64.b64decode(p["image_base64"]) for p in data["photos"]] == [invoice, later]
    assert all(p["sent_at"] for p in data["photos"])

    erased = await client.delete("/api/v1/customers/telegram/42/personal-data",
                                 headers=SERVICE_HEADERS)
    assert erased.status_code == 200, erased.text
    assert [row["token"] for row in await stored(app)] == [theirs]  # the other customer's
