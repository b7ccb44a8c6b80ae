"""Migration 0021 on SQLite and PostgreSQL: up makes the parts tables and seeds the sample
catalogue, down (with stock in them) removes them and leaves 0020's schema, up again seeds
again. (That the tables match the models: tests/backend/test_migrations.py.)"""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect

from backend.kernel.database import make_engine
from backend.migrate import downgrade, upgrade
from tests.support.db import postgres_database, sqlite_database

TABLES = {"parts", "part_categories", "stock_balances", "stock_movements", "stock_alerts",
          "defective_parts"}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest):
    factory = sqlite_database if request.param == "sqlite" else postgres_database
    with factory(migrate=False) as url:
        yield url


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _run(url: str, *statements) -> list:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            return [(await connection.execute(sa.text(s))).all() if s.lstrip().startswith(
                "SELECT") else (await connection.execute(sa.text(s))).rowcount
                for s in statements]
    finally:
        await engine.dispose()


async def test_0021_up_down_up(empty_database: str) -> None:
    url = empty_database
    await asyncio.to_thread(upgrade, url, "0020")
    before = await _tables(url)
    assert not TABLES & before

    await asyncio.to_thread(upgrade, url, "0021")
    assert TABLES <= await _tables(url)
    [[(parts,)], [(fits,)], [(washer,)]] = await _run(
        url, "SELECT count(*) FROM parts", "SELECT count(*) FROM part_categories",
        "SELECT count(*) FROM part_categories WHERE category = '洗衣机'")
    assert parts == 11 and fits == 12 and washer == 2
    # Stock in the tables does not stop the way down; a new part gets a fresh id.
    await _run(url, "INSERT INTO parts (number, name_zh_hans, kind, models, price_cny, "
                    "warranty_days, active, created_at, updated_at) VALUES ('X-1', 'x', "
                    "'other', '[]', 1, 0, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
               "INSERT INTO stock_balances (part_id, outlet_id, quantity, updated_at) "
               "VALUES (1, 1, 3, CURRENT_TIMESTAMP)",
               "INSERT INTO stock_movements (kind, part_id, quantity, to_outlet_id, actor, "
               "created_at) VALUES ('receipt', 1, 3, 1, 'test', CURRENT_TIMESTAMP)")
    [[(new_id,)]] = await _run(url, "SELECT id FROM parts WHERE number = 'X-1'")
    assert new_id == 12

    await asyncio.to_thread(downgrade, url, "0020")
    assert await _tables(url) == before
    await asyncio.to_thread(upgrade, url, "head")
    [[(parts,)]] = await _run(url, "SELECT count(*) FROM parts")
    assert parts == 11


async def test_stock_never_negative_in_the_database_itself(empty_database: str) -> None:
    """The CHECK behind the conditional update: a balance below zero is refused."""
    url = empty_database
    await asyncio.to_thread(upgrade, url, "head")
    with pytest.raises(sa.exc.IntegrityError):
        await _run(url, "INSERT INTO stock_balances (part_id, outlet_id, quantity, "
                        "updated_at) VALUES (1, 1, -1, CURRENT_TIMESTAMP)")
    with pytest.raises(sa.exc.IntegrityError):  # someone holds it
        await _run(url, "INSERT INTO stock_balances (part_id, quantity, updated_at) "
                        "VALUES (1, 0, CURRENT_TIMESTAMP)")
