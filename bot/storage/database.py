"""The bot database's engine and sessions, made once and shared by the bot's stores.

The engine is the backend's (`backend.kernel.database.make_engine`): on SQLite every transaction
takes the write lock at its start and waits for it, foreign keys are on, WAL journal. A
SQLite file's folder is created if missing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase

from backend.kernel.database import make_engine


class Base(DeclarativeBase):
    """Every bot table (`bot.storage.models`)."""


class BotStorage:
    """The bot's database at `url`: its `engine` and `sessions` (`bot.storage.migrate`
    brings its schema up to date)."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if (parsed.get_backend_name() == "sqlite" and parsed.database
                and parsed.database != ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine: AsyncEngine = make_engine(url)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def close(self) -> None:
        await self.engine.dispose()
