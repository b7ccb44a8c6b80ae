"""The migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend import models
from backend.database import make_engine
from backend.migrate import downgrade, upgrade, upgrade_async
from tests.support.db import postgres_database, sqlite_database

# This suite's tables (other domains add theirs; their models must match their migrations too).
TABLES = {"customers", "chat_identities", "tickets", "ticket_events", "ticket_counters",
          "outbox_messages", "alembic_version"}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest):
    factory = sqlite_database if request.param == "sqlite" else postgres_database
    with factory(migrate=False) as url:
        yield url


async def _tables_and_diffs(url: str) -> tuple[set[str], list]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            def inspect_schema(sync_connection):
                tables = set(inspect(sync_connection).get_table_names())
                context = MigrationContext.configure(sync_connection,
                                                     opts={"compare_type": True})
                return tables, compare_metadata(context, models.Base.metadata)

            return await connection.run_sync(inspect_schema)
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_matches_the_models(empty_database: str) -> None:
    tables, _ = await _tables_and_diffs(empty_database)
    assert tables == set()

    await upgrade_async(empty_database)

    tables, diffs = await _tables_and_diffs(empty_database)
    assert TABLES <= tables
    assert tables - {"alembic_version"} == set(models.Base.metadata.tables)
    assert diffs == [], f"models and migrations differ: {diffs}"


def test_downgrade_and_upgrade_again(empty_database: str) -> None:
    upgrade(empty_database)
    downgrade(empty_database, "base")
    upgrade(empty_database)
    upgrade(empty_database)  # at head already: nothing to do
