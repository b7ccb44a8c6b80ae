"""Staff find a customer by phone number (POST /api/v1/customers/search) on SQLite and
PostgreSQL: any spelling of the number of their latest ticket finds them; the number is stored
only as a keyed hash; by role; an erasure and a key rotation keep it right."""

from __future__ import annotations

import itertools
import logging

from cryptography.fernet import Fernet
from sqlalchemy import text

from backend.customers import phones
from backend.kernel import crypto
from backend.privacy import rotation
from backend.staff.enums import Role
from tests.backend.conftest import ENCRYPTION_KEY, SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.customers.roles import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    role_headers,
    token_for,
)

SEARCH = "/api/v1/customers/search"


_keys = itertools.count(1)


async def ticket(create, chat_id: str, phone: str) -> dict:
    response = await create(key=f"k-{next(_keys)}", phone=phone,
                            customer_overrides={"chat_id": chat_id})
    assert response.status_code == 201, response.text
    return response.json()


async def search(client, phone: str, headers=STAFF_HEADERS) -> list[dict]:
    response = await client.post(SEARCH, json={"phone": phone}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def stored_hashes(app) -> dict[int, str | None]:
    async with app.state.engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, phone_hash FROM customers ORDER BY id"))
        return {row[0]: row[1] for row in rows}


# (the number a ticket gave, as the bot sent it; the same number as staff type it)
SPELLINGS = [("13800138000", "+86 138-0013-8000"), ("+85291234567", "9123 4567"),
             ("0912345678", "+886 912 345 678")]
OTHER_SPELLINGS = ["138 0013 8000", "0086 13800138000", "+852 9123 4567", "00852 91234567",
                   "0912-345-678", "+886 0912 345 678"]


async def test_any_spelling_of_the_number_finds_the_customer(client, create) -> None:
    for chat, (given, _) in enumerate(SPELLINGS, start=42):
        await ticket(create, str(chat), given)
    for chat, (_, typed) in enumerate(SPELLINGS, start=42):
        [found] = await search(client, typed)
        assert found["chats"] == [{"channel": "telegram", "chat_id": str(chat)}], typed
        assert (found["display_name"], found["language"]) == ("李雷", "zh-Hans")
    for typed in OTHER_SPELLINGS:
        assert len(await search(client, typed)) == 1, typed
    assert await search(client, "+86 137 0000 0000") == []


async def test_the_number_is_stored_only_as_a_keyed_hash(app, client, create) -> None:
    await ticket(create, "42", "13800138000")
    [(customer_id, digest)] = (await stored_hashes(app)).items()
    assert digest == phones.current_hash("13800138000") and len(digest) == 64
    async with app.state.engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM customers"))).mappings().one()
    assert not any("13800138000" in str(value) or "0013" in str(value) for value in row.values())


async def test_the_latest_ticket_s_number_is_the_one_a_customer_is_found_by(client,
                                                                            create) -> None:
    await ticket(create, "42", "13800138000")
    await ticket(create, "42", "13900139000")  # they changed numbers
    await create(key="no-phone", type="inquiry", phone=None, address=None)  # says nothing
    assert await search(client, "13800138000") == []
    [found] = await search(client, "13900139000")
    assert found["chats"][0]["chat_id"] == "42"


async def test_a_shared_number_finds_everyone_who_gave_it(client, create) -> None:
    await ticket(create, "42", "13800138000")
    await ticket(create, "43", "+86 13800138000")
    found = await search(client, "0086 138 0013 8000")
    assert [c["chats"][0]["chat_id"] for c in found] == ["42", "43"]


async def test_what_is_no_phone_number_is_a_422_that_does_not_echo_it(client) -> None:
    for body in ({"phone": "1234"}, {"phone": "call me"}, {"phone": ""}, {"phone": "1" * 41},
                 {}, {"number": "13800138000"}):
        response = await client.post(SEARCH, json=body, headers=STAFF_HEADERS)
        assert response.status_code == 422, body
        if body.get("phone"):
            assert body["phone"] not in response.text


async def test_the_search_and_the_customer_are_for_desk_staff(client, create,
                                                              role_headers) -> None:
    await ticket(create, "42", "13800138000")
    customer_id = 1
    for role, headers in role_headers.items():
        found = await client.post(SEARCH, json={"phone": "13800138000"}, headers=headers)
        one = await client.get(f"/api/v1/customers/{customer_id}", headers=headers)
        expected = 403 if role == Role.technician else 200
        assert (role, found.status_code, one.status_code) == (role, expected, expected)
    for headers in (SERVICE_HEADERS, {}):
        assert (await client.post(SEARCH, json={"phone": "13800138000"},
                                  headers=headers)).status_code == 401
        assert (await client.get("/api/v1/customers/1", headers=headers)).status_code == 401
    assert (await client.get("/api/v1/customers/999", headers=STAFF_HEADERS)).status_code == 404


async def test_an_erased_customer_is_not_found_by_their_number(app, client, create) -> None:
    await ticket(create, "42", "13800138000")
    erased = await client.delete("/api/v1/customers/telegram/42/personal-data",
                                 headers=SERVICE_HEADERS)
    assert erased.status_code == 200, erased.text
    assert await search(client, "13800138000") == []
    assert list((await stored_hashes(app)).values()) == [None]


async def test_the_number_never_reaches_the_log(client, create, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    await ticket(create, "42", "13800138000")
    await search(client, "+86 138 0013 8000")
    await client.post(SEARCH, json={"phone": "12a"}, headers=STAFF_HEADERS)
    assert "13800138000" not in caplog.text and "0013" not in caplog.text
    assert "phone search by staff:api: customers 1" in caplog.text  # who, and whom they found


async def test_a_key_rotation_keeps_every_customer_findable(app, client, create) -> None:
    await ticket(create, "42", "13800138000")
    await ticket(create, "43", "85291234567")
    before = await stored_hashes(app)
    new_key = Fernet.generate_key().decode()
    crypto.configure(f"{new_key},{ENCRYPTION_KEY}")
    try:
        # Mid-rotation: found by the hash under the old key, which is keyed anew on the way.
        [found] = await search(client, "13800138000")
        now = await stored_hashes(app)
        assert now[found["id"]] != before[found["id"]]
        async with app.state.sessionmaker() as session:
            done = await rotation.rotate(db_session=session, batch_size=1)
        assert done.rehashed == 1  # the other one; the one searched for was done already
        crypto.configure(new_key)  # the old key gone
        assert [c["id"] for c in await search(client, "13800138000")] == [found["id"]]
        assert len(await search(client, "9123 4567")) == 1
        assert await ticket(create, "44", "13700137000")
        assert len(await search(client, "13700137000")) == 1
    finally:
        crypto.configure(ENCRYPTION_KEY)
