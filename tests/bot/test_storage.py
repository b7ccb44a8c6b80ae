"""The bot database's migrations (bot/storage): they build exactly the tables the models
describe, on SQLite and PostgreSQL; a database made by `create_all` before there were
migrations is adopted; upgrading again changes nothing; the bot's version table keeps out of
the backend's way when both share one database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.dialogue.state import Conversation, ConversationStore, Form
from bot.nonces import NonceStore
from bot.storage import BotStorage, models
from bot.storage.migrate import (
    VERSION_TABLE,
    alembic_config,
    downgrade,
    upgrade,
    upgrade_storage,
)
from tests.support.db import postgres_database, sqlite_database

# The latest revision: an upgraded database, or one made by `create_all` and adopted, ends there.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest):
    factory = sqlite_database if request.param == "sqlite" else postgres_database
    with factory(migrate=False) as url:
        yield url


async def _schema(url: str) -> tuple[dict[str, set[str]], list, list[str]]:
    """{table: column names}, the differences to the models, the bot's version rows."""
    storage = BotStorage(url)
    try:
        async with storage.engine.connect() as connection:
            def read(sync_connection):
                inspector = inspect(sync_connection)
                tables = {table: {c["name"] for c in inspector.get_columns(table)}
                          for table in inspector.get_table_names()}
                context = MigrationContext.configure(
                    sync_connection, opts={"compare_type": True, "version_table": VERSION_TABLE})
                versions = (list(sync_connection.execute(
                    sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
                    if VERSION_TABLE in tables else [])
                return tables, compare_metadata(context, models.Base.metadata), versions

            return await connection.run_sync(read)
    finally:
        await storage.close()


def _model_columns() -> dict[str, set[str]]:
    return {name: {c.name for c in table.columns}
            for name, table in models.Base.metadata.tables.items()}


async def _create_all(url: str, tables: list[str] | None = None) -> None:
    """What the bot did at start before it had migrations."""
    storage = BotStorage(url)
    try:
        async with storage.engine.begin() as connection:
            await connection.run_sync(
                models.Base.metadata.create_all,
                tables=None if tables is None else [models.Base.metadata.tables[t]
                                                    for t in tables])
    finally:
        await storage.close()


async def test_the_migrations_make_the_models_tables(empty_database: str) -> None:
    assert (await _schema(empty_database))[0] == {}

    await upgrade(empty_database)

    tables, diffs, versions = await _schema(empty_database)
    assert set(tables) == set(models.Base.metadata.tables) | {VERSION_TABLE}
    assert "bot_push_nonces" in tables
    assert {t: c for t, c in tables.items() if t != VERSION_TABLE} == _model_columns()
    assert diffs == [], f"models and migrations differ: {diffs}"
    assert versions == [HEAD]


async def test_upgrading_twice_changes_nothing(empty_database: str) -> None:
    await upgrade(empty_database)
    store = ConversationStore(empty_database)
    try:
        async with store.turn("telegram", "42", "u-1") as conversation:
            assert conversation is not None
            conversation.language = "en"
    finally:
        await store.close()
    before = await _schema(empty_database)

    await upgrade(empty_database)

    assert await _schema(empty_database) == before
    store = ConversationStore(empty_database)
    try:
        assert (await store.load("telegram", "42")).language == "en"
    finally:
        await store.close()


async def test_a_database_made_by_create_all_is_adopted(empty_database: str) -> None:
    await _create_all(empty_database)
    store = ConversationStore(empty_database)
    try:
        async with store.turn("telegram", "42", "u-1") as conversation:
            assert conversation is not None
            conversation.form = Form("repair", slots={"product": "washer"})
    finally:
        await store.close()

    await upgrade(empty_database)

    tables, diffs, versions = await _schema(empty_database)
    assert versions == [HEAD]  # adopted: the tables kept, nothing rebuilt
    assert diffs == []
    assert {t: c for t, c in tables.items() if t != VERSION_TABLE} == _model_columns()
    store = ConversationStore(empty_database)
    try:
        assert (await store.load("telegram", "42")).form.slots == {"product": "washer"}
        async with store.turn("telegram", "42", "u-1") as again:
            assert again is None  # the handled update is still known
    finally:
        await store.close()


async def test_a_database_made_before_some_tables_existed_gets_the_missing_ones(
        empty_database: str) -> None:
    await _create_all(empty_database, ["bot_conversations", "bot_processed_updates"])

    await upgrade(empty_database)

    tables, diffs, versions = await _schema(empty_database)
    assert set(tables) == set(models.Base.metadata.tables) | {VERSION_TABLE}
    assert (diffs, versions) == ([], [HEAD])


async def test_downgrade_to_nothing_and_up_again(empty_database: str) -> None:
    await upgrade(empty_database)
    await downgrade(empty_database, "base")
    tables, _, versions = await _schema(empty_database)
    assert set(tables) == {VERSION_TABLE} and versions == []
    await upgrade(empty_database)
    assert (await _schema(empty_database))[2] == [HEAD]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_the_bot_shares_a_database_with_the_backend(kind: str) -> None:
    factory = sqlite_database if kind == "sqlite" else postgres_database
    with factory() as url:  # migrated by the backend's migrations
        before = await _schema(url)
        backend_head = await _backend_version(url)

        storage = BotStorage(url)
        try:
            await upgrade_storage(storage)
            store, nonces = ConversationStore(storage), NonceStore(storage)
            async with store.turn("telegram", "7", None) as conversation:
                assert conversation is not None
                conversation.language = "zh-Hans"
            assert (await store.load("telegram", "7")).to_json() == Conversation(
                "telegram", "7", language="zh-Hans").to_json()
            await nonces.close()  # a shared storage stays open
            await store.close()
            assert (await store.load("telegram", "7")).language == "zh-Hans"
        finally:
            await storage.close()

        tables, _, versions = await _schema(url)
        assert set(tables) == set(before[0]) | set(models.Base.metadata.tables) | {VERSION_TABLE}
        assert versions == [HEAD]
        assert await _backend_version(url) == backend_head


async def _backend_version(url: str) -> list[str]:
    storage = BotStorage(url)
    try:
        async with storage.engine.connect() as connection:
            return list((await connection.execute(
                sa.text("SELECT version_num FROM alembic_version"))).scalars())
    finally:
        await storage.close()
