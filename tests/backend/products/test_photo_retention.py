"""How long a product photo is kept, and how it is kept, on SQLite and PostgreSQL: a photo no
registration named is deleted by the backend's purge worker a day after it came (on a clock the
test moves: it holds on any date), one kept with a product stays; the images are re-encrypted
with the other personal data when a key is rotated, a few rows at a time; migration 0019 adds
and removes the table and leaves every other table's triggers as they were."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy import inspect

from backend.kernel import crypto
from backend.kernel.clock import running_on, utcnow
from backend.kernel.database import make_engine
from backend.migrate import downgrade, upgrade_async
from backend.privacy import rotation
from backend.products.photos import store
from backend.security.worker import PurgeWorker
from tests.backend.conftest import ENCRYPTION_KEY, SERVICE_HEADERS
from tests.backend.products.photo_support import (  # noqa: F401
    jpeg,
    quick_reading,
    register,
    stored,
    token_of,
)
from tests.support.db import postgres_database, sqlite_database


async def test_photos_never_linked_go_after_a_day_and_those_kept_with_a_product_stay(
        app, client, quick_reading) -> None:
    start = utcnow()
    clock = [start]
    worker = PurgeWorker(sessionmaker=app.state.sessionmaker)
    with running_on(lambda: clock[0]):
        forgotten = await token_of(client, jpeg(1))
        kept = await token_of(client, jpeg(2))
        product = (await register(client, photos=[kept])).json()
        clock[0] = start + timedelta(hours=2)
        young = await token_of(client, jpeg(3))

        clock[0] = start + timedelta(hours=23, minutes=59)
        await worker.run_once()
        assert {row["token"] for row in await stored(app)} == {forgotten, kept, young}

        clock[0] = start + timedelta(hours=24, minutes=1)
        await worker.run_once()
        rows = await stored(app)
        assert [(row["token"], row["product_id"]) for row in rows] == [
            (kept, product["id"]), (young, None)]

        # A registration after the photo went keeps nothing (its token is unknown now).
        late = await register(client, category="冰箱", photos=[forgotten])
        assert late.status_code == 201, late.text

        async with app.state.sessionmaker() as session:
            assert await store.purge_unlinked(
                db_session=session, now=start + timedelta(hours=26, minutes=1)) == 1
            assert await store.purge_unlinked(
                db_session=session, now=start + timedelta(days=400)) == 0
    assert [row["token"] for row in await stored(app)] == [kept]


async def test_the_images_are_rotated_with_the_other_encrypted_values(
        app, client, quick_reading, monkeypatch) -> None:
    images = [jpeg(shade) for shade in range(10, 70, 10)]
    for image in images:
        await token_of(client, image)
    [table] = [t for t in rotation.encrypted_tables() if t.name == "product_photos"]
    assert (table.columns, table.batch_limit) == (("data",), 4)

    batches: list[int] = []
    real_batches = rotation._batches

    async def counted(db_session, encrypted, batch_size):
        async for rows in real_batches(db_session, encrypted, batch_size):
            if encrypted.name == "product_photos":
                batches.append(len(rows))
            yield rows

    monkeypatch.setattr(rotation, "_batches", counted)
    new_key = Fernet.generate_key().decode()
    crypto.configure(f"{new_key},{ENCRYPTION_KEY}")
    try:
        async with app.state.sessionmaker() as session:
            before = (await rotation.status(db_session=session)).columns["product_photos.data"]
            assert (before.values, before.older) == (6, 6)
            done = await rotation.rotate(db_session=session, batch_size=500)
            assert done.unreadable == 0
            after = (await rotation.status(db_session=session)).columns["product_photos.data"]
            assert (after.current, after.older) == (6, 0)
        assert batches and max(batches) <= 4  # a few megabytes at a time, not 500 photos

        crypto.configure(new_key)  # the old key gone: the images still read
        exported = (await client.get("/api/v1/customers/telegram/42/personal-data",
                                     headers=SERVICE_HEADERS)).json()
        assert [base64.b64decode(p["image_base64"]) for p in exported["photos"]] == images
    finally:
        crypto.configure(ENCRYPTION_KEY)


# ---- migration 0019 ----------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest):
    factory = sqlite_database if request.param == "sqlite" else postgres_database
    with factory(migrate=False) as url:
        yield url


async def _schema(url: str) -> tuple[set[str], set[str]]:
    """The tables, and the triggers (SQLite's, or PostgreSQL's own: not constraints')."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(
                lambda sync: set(inspect(sync).get_table_names()))
            query = ("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                     if connection.dialect.name == "sqlite" else
                     "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            triggers = {row[0] for row in await connection.execute(sa.text(query))}
        return tables, triggers
    finally:
        await engine.dispose()


async def test_0019_adds_the_photos_table_and_touches_no_other(empty_database: str) -> None:
    url = empty_database
    await upgrade_async(url, "0018")
    tables, triggers = await _schema(url)
    assert "product_photos" not in tables and triggers  # the statistics' triggers (0011)

    await upgrade_async(url, "0019")
    assert await _schema(url) == (tables | {"product_photos"}, triggers)

    await asyncio.to_thread(downgrade, url, "0018")
    assert await _schema(url) == (tables, triggers)
    await upgrade_async(url, "0019")
    assert "product_photos" in (await _schema(url))[0]
