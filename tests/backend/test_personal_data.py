"""Phone numbers, addresses and names are ciphertext in the database and absent from logs."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from backend import crypto
from backend.customers.models import Customer
from backend.notifications.dispatcher import OutboxDispatcher
from tests.backend.conftest import ENCRYPTION_KEY, STAFF_HEADERS
from tests.backend.factories import ADDRESS, PHONE

NAME = "李雷"


async def raw(app, query: str) -> list[tuple]:
    async with app.state.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(query))]


async def test_personal_data_is_ciphertext_at_rest(app, create) -> None:
    await create(key="k-1")

    [(phone, address)] = await raw(app, "SELECT phone, address FROM tickets")
    [(name,)] = await raw(app, "SELECT display_name FROM customers")

    fernet = Fernet(ENCRYPTION_KEY.encode())
    for stored, plain in ((phone, PHONE), (address, ADDRESS), (name, NAME)):
        assert plain not in stored and stored.startswith("gAAAAA")
        assert fernet.decrypt(stored.encode()).decode() == plain
    # Fernet is randomised: the same phone twice gives different ciphertexts.
    await create(key="k-2")
    phones = {row[0] for row in await raw(app, "SELECT phone FROM tickets")}
    assert len(phones) == 2


async def test_rotated_key_still_reads_old_data(app, create, client) -> None:
    number = (await create(key="k-1")).json()["number"]
    new_key = Fernet.generate_key().decode()
    crypto.configure(f"{new_key},{ENCRYPTION_KEY}")
    try:
        detail = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
        assert detail["phone"] == PHONE
        await create(key="k-2", customer_overrides={"chat_id": "43"})
        rows = await raw(app, "SELECT phone FROM tickets ORDER BY id")
        assert Fernet(new_key.encode()).decrypt(rows[1][0].encode()).decode() == PHONE
    finally:
        crypto.configure(ENCRYPTION_KEY)


def test_keys_are_checked() -> None:
    with pytest.raises(crypto.EncryptionKeyError):
        crypto.make_fernet("")
    with pytest.raises(crypto.EncryptionKeyError):
        crypto.make_fernet("change-me")
    token = crypto.make_fernet(Fernet.generate_key().decode()).encrypt(b"x").decode()
    with pytest.raises(crypto.DecryptionError) as error:
        crypto.decrypt(token)
    assert "x" not in str(error.value).split()


async def test_no_personal_data_in_logs(app, create, client, change_status, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    # Even with SQL logging on, statement parameters are hidden.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        number = (await create(key="k-1")).json()["number"]
        await create(key="k-1")  # replay
        await create(key="k-1", description="changed")  # conflict
        await create(key="k-2", phone="not a phone " + PHONE)  # refused: 422
        await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)
        await change_status(number, "assigned", note="师傅明天到")
        dispatcher = OutboxDispatcher(sessionmaker=app.state.sessionmaker,
                                      settings=app.state.settings)
        await dispatcher.run_once()  # nobody listening: a failure with a logged reason
        await dispatcher.aclose()
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

    logged = caplog.text
    assert number in logged  # the logs do say what happened
    assert "sql parameters hidden" in logged.lower()
    for secret in (PHONE, PHONE[-8:], ADDRESS, ADDRESS[:6], NAME):
        assert secret not in logged


async def test_the_model_decrypts_transparently(app, create) -> None:
    await create(key="k-1")
    async with app.state.sessionmaker() as session:
        customer = (await session.execute(select(Customer))).scalar_one()
    assert customer.display_name == NAME
