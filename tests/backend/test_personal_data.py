"""Phone numbers, addresses and names are ciphertext in the database and absent from logs."""

from __future__ import annotations

import asyncio
import logging

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, text

from backend.cli import build_parser, cmd_keys
from backend.customers.models import Customer
from backend.kernel import crypto
from backend.notifications.dispatcher import OutboxDispatcher
from backend.privacy import rotation
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


# ---- key rotation --------------------------------------------------------------------------

def test_every_encrypted_column_is_rotated() -> None:
    found = {f"{t.name}.{c}" for t in rotation.encrypted_tables() for c in t.columns}
    assert {"customers.display_name", "tickets.phone", "tickets.address",
            "handoff_messages.text"} <= found


async def test_rotation_reencrypts_in_batches_and_the_old_key_can_go(app, create, client) -> None:
    numbers = [(await create(key=f"k-{i}", customer_overrides={"chat_id": str(40 + i)})).json()
               ["number"] for i in range(3)]
    new_key = Fernet.generate_key().decode()
    crypto.configure(f"{new_key},{ENCRYPTION_KEY}")
    try:
        async with app.state.sessionmaker() as session:
            before = await rotation.status(db_session=session)
            # 3 customers' names; 3 tickets' phone, address, description, preferred time and
            # details: all under the old key.
            assert before.pending == 18
            # Meanwhile everything reads, and a new value is written under the new key.
            detail = (await client.get(f"/api/v1/tickets/{numbers[0]}",
                                       headers=STAFF_HEADERS)).json()
            assert detail["phone"] == PHONE
            await create(key="k-new", customer_overrides={"chat_id": "99"})
            assert (await rotation.status(db_session=session)).pending == 18

            done = await rotation.rotate(db_session=session, batch_size=2)
            assert (done.reencrypted, done.unreadable) == (18, 0)
            after = await rotation.status(db_session=session)
            assert after.pending == 0
            assert all(c.current == c.values for c in after.columns.values())
            # A second run has nothing to do.
            assert (await rotation.rotate(db_session=session, batch_size=2)).reencrypted == 0

        # The old key removed: everything still reads; the old key alone reads nothing.
        crypto.configure(new_key)
        for number in numbers:
            detail = (await client.get(f"/api/v1/tickets/{number}",
                                       headers=STAFF_HEADERS)).json()
            assert (detail["phone"], detail["address"]) == (PHONE, ADDRESS)
        [(phone,), *_] = await raw(app, "SELECT phone FROM tickets")
        with pytest.raises(InvalidToken):
            Fernet(ENCRYPTION_KEY.encode()).decrypt(phone.encode())
    finally:
        crypto.configure(ENCRYPTION_KEY)


async def test_unreadable_values_are_counted_and_left_alone(app, create) -> None:
    await create(key="k-1")
    crypto.configure(Fernet.generate_key().decode())  # the key that wrote them is lost
    try:
        async with app.state.sessionmaker() as session:
            status = await rotation.status(db_session=session)
            # The name; the ticket's phone, address, description, preferred time, details.
            assert sum(c.unreadable for c in status.columns.values()) == 6
            done = await rotation.rotate(db_session=session)
            assert (done.reencrypted, done.unreadable) == (0, 6)
    finally:
        crypto.configure(ENCRYPTION_KEY)
    [(phone,)] = await raw(app, "SELECT phone FROM tickets")
    assert Fernet(ENCRYPTION_KEY.encode()).decrypt(phone.encode()).decode() == PHONE


async def test_the_worker_rotates_once_while_several_keys_are_set(app, create) -> None:
    await create(key="k-1")
    worker = rotation.KeyRotationWorker(sessionmaker=app.state.sessionmaker,
                                        settings=app.state.settings)
    assert await worker.run_once() is None  # one key: nothing to do
    new_key = Fernet.generate_key().decode()
    crypto.configure(f"{new_key},{ENCRYPTION_KEY}")
    try:
        assert (await worker.run_once()).reencrypted == 6
        assert await worker.run_once() is None  # done: it does not scan again
    finally:
        crypto.configure(ENCRYPTION_KEY)
    [(phone,)] = await raw(app, "SELECT phone FROM tickets")
    assert Fernet(new_key.encode()).decrypt(phone.encode()).decode() == PHONE


async def test_keys_commands(app, create, capsys) -> None:
    await create(key="k-1")
    new_key = Fernet.generate_key().decode()
    settings = app.state.settings.model_copy(
        update={"field_encryption_keys": f"{new_key},{ENCRYPTION_KEY}"})
    try:
        status = await asyncio.to_thread(cmd_keys, settings,
                                         build_parser().parse_args(["keys", "status"]))
        assert status == 1 and "run `frontdesk keys rotate`" in capsys.readouterr().out
        rotated = await asyncio.to_thread(
            cmd_keys, settings, build_parser().parse_args(["keys", "rotate", "--batch-size", "1"]))
        out = capsys.readouterr().out
        assert rotated == 0 and "6 values re-encrypted" in out
        assert "the other keys can be removed" in out
        assert PHONE not in out
    finally:
        crypto.configure(ENCRYPTION_KEY)
