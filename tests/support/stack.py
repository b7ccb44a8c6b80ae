"""The whole path on real parts: the fake Telegram Bot API on loopback (the only stand-in, for
Telegram itself), the real python-telegram-bot in the bot process, the real Rasa server, the
backend process on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from backend.config import DEV_INTERNAL_SECRET, DEV_STAFF_TOKEN
from bot.backend_client import SignedRequests
from tests.fakes.telegram import FakeTelegram
from tests.support.db import postgres_database
from tests.support.processes import Service, free_port


@dataclass
class Stack:
    telegram: FakeTelegram
    backend: Service
    bot: Service
    backend_url: str
    bot_url: str
    database_url: str

    def staff(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.backend_url}{path}", timeout=10,
                             headers={"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}, **kwargs)

    def service(self, method: str, path: str, **kwargs) -> httpx.Response:
        """A request as the bot: signed with the internal secret."""
        return httpx.request(method, f"{self.backend_url}{path}", timeout=10,
                             auth=SignedRequests(DEV_INTERNAL_SECRET), **kwargs)

    def restart_bot(self) -> None:
        self.bot.stop()
        self.bot.start()
        self.telegram.wait_for_polling()

    def sql(self, query: str, *args):
        """Read the backend's PostgreSQL database directly."""
        dsn = self.database_url.replace("postgresql+asyncpg://", "postgresql://")

        async def fetch():
            connection = await asyncpg.connect(dsn)
            try:
                return await connection.fetch(query, *args)
            finally:
                await connection.close()

        # In a thread of its own: callers may be async tests with a loop already running.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, fetch()).result()


def process_env(*, data_dir: Path, database_url: str, bot_database_url: str,
                telegram: FakeTelegram, rasa_url: str, backend_port: int,
                bot_port: int) -> dict[str, str]:
    """The environment of a backend and a bot process on loopback that talk to each other,
    to the fake Telegram Bot API and to Rasa."""
    return {
        "ENVIRONMENT": "development",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "BOT_DATABASE_URL": bot_database_url,
        "BACKEND_PORT": str(backend_port),
        "BACKEND_URL": f"http://127.0.0.1:{backend_port}",
        "BOT_PORT": str(bot_port),
        "BOT_PUSH_URL": f"http://127.0.0.1:{bot_port}/internal/push",
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.api_base_url,
        "TELEGRAM_API_BASE_FILE_URL": telegram.file_base_url,
        "TELEGRAM_POLL_TIMEOUT": "1",
        "RASA_URL": rasa_url,
    }


@contextmanager
def running_stack(rasa_url: str, data_dir: Path, **overrides: str) -> Iterator[Stack]:
    """The stack; `overrides` replace entries of the processes' environment."""
    with postgres_database() as database_url, FakeTelegram() as telegram:
        backend_port, bot_port = free_port(), free_port()
        env = {
            **process_env(data_dir=data_dir, database_url=database_url,
                          bot_database_url=database_url, telegram=telegram, rasa_url=rasa_url,
                          backend_port=backend_port, bot_port=bot_port),
            "OUTBOX_POLL_SECONDS": "0.2",
            "OUTBOX_MAX_BACKOFF_SECONDS": "1",
            # Staff "are there" whenever the tests run.
            "BUSINESS_HOURS": "00:00-24:00",
            # Test conversations type faster than people; the flood test sets its own limit.
            "CHAT_RATE_PER_MINUTE": "6000", "CHAT_RATE_BURST": "1000",
            **overrides,
        }
        backend = Service("backend", ["backend"], env,
                          f"http://127.0.0.1:{backend_port}/health").start()
        bot = Service("bot", ["bot"], env, f"http://127.0.0.1:{bot_port}/health").start()
        if env.get("TELEGRAM_WEBHOOK_URL"):
            telegram.wait_for_webhook()
        else:
            telegram.wait_for_polling()
        try:
            yield Stack(telegram, backend, bot, env["BACKEND_URL"],
                        f"http://127.0.0.1:{bot_port}", database_url)
        finally:
            bot.stop()
            backend.stop()
