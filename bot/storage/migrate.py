"""Apply the bot database's migrations (no alembic.ini needed).

    await upgrade(url)                 # the bot at start: bring BOT_DATABASE_URL up to date
    await upgrade_storage(storage)     # the same on an engine already made

The history is kept in its own version table, `bot_alembic_version`: the bot's tables may
live in the backend's PostgreSQL database (whose version table is `alembic_version`). A
database the bot made with `create_all` before it had migrations (its tables there, no version
table) is adopted by the initial revision: the tables it finds are kept as they are, and the
database is stamped at that revision.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.storage.database import BotStorage

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "bot_alembic_version"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def _run(storage: BotStorage, action: Callable[[Config, str], None],
               revision: str) -> None:
    async with storage.engine.connect() as connection:
        await connection.run_sync(lambda sync: action(alembic_config(sync), revision))
        await connection.commit()


async def upgrade_storage(storage: BotStorage, revision: str = "head") -> None:
    await _run(storage, command.upgrade, revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the bot's database at `url` to `revision` (creating a SQLite file if needed)."""
    storage = BotStorage(url)
    try:
        await upgrade_storage(storage, revision)
    finally:
        await storage.close()


async def downgrade(url: str, revision: str = "base") -> None:
    storage = BotStorage(url)
    try:
        await _run(storage, command.downgrade, revision)
    finally:
        await storage.close()
