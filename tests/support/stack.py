"""The whole path on real parts: the fake Telegram Bot API on loopback (the only stand-in, for
Telegram itself), the real python-telegram-bot in the bot process, the real Rasa server, the
backend process on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from backend.kernel.config import DEV_INTERNAL_SECRET, DEV_STAFF_TOKEN
from bot.backend_client import SignedRequests
from tests.fakes.telegram import FakeTelegram
from tests.support.db import postgres_database
from tests.support.processes import Service, free_port


class Database:
    """One PostgreSQL connection kept open on a loop of its own (a helper thread), so that
    tests, async or not, can read the database as often as they like: waiting on the state of
    the bot's inbox and outbox costs a query, not a connection. Reconnects after a failure
    (a test restarts PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        self._loop = asyncio.new_event_loop()
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="test-database")
        self._thread.start()

    async def _fetch(self, query: str, args: tuple, *, again: bool = True) -> list:
        if self._connection is None or self._connection.is_closed():
            self._connection = await asyncpg.connect(self.dsn, timeout=5)
        try:
            return await self._connection.fetch(query, *args, timeout=10)
        except BaseException as exc:
            connection, self._connection = self._connection, None
            connection.terminate()
            if again and isinstance(exc, (OSError, asyncpg.InterfaceError,
                                          asyncpg.PostgresConnectionError)):
                # The server was restarted under the connection: once more on a new one.
                return await self._fetch(query, args, again=False)
            raise

    async def _fetch_alone(self, query: str, args: tuple) -> list:
        async with self._lock:  # callers in several threads, one connection
            return await self._fetch(query, args)

    def fetch(self, query: str, *args) -> list:
        return asyncio.run_coroutine_threadsafe(self._fetch_alone(query, args),
                                                self._loop).result()

    def close(self) -> None:
        async def close():
            if self._connection is not None:
                self._connection.terminate()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


# Whether the bot is done with a chat, read from the bot's own tables (its inbox, its outbox
# of replies, its held submissions; bot/dialogue/state.py) and the backend's outbox of pushes
# (backend/notifications/models.py). A chat with none of these left has nothing more coming.
_BOT_BUSY = """
    SELECT (SELECT count(*) FROM bot_inbox WHERE channel = 'telegram' AND chat_id = $1)
               AS inbox,
           (SELECT count(*) FROM bot_outgoing WHERE channel = 'telegram' AND chat_id = $1)
               AS outgoing,
           (SELECT count(*) FROM bot_submissions WHERE channel = 'telegram' AND chat_id = $1)
               AS submissions"""
_PUSHES_PENDING = """
    SELECT count(*) AS pushes FROM outbox_messages
    WHERE delivered_at IS NULL AND payload->>'channel' = $2 AND payload->>'chat_id' = $1"""


@dataclass
class Stack:
    telegram: FakeTelegram
    backend: Service
    bot: Service
    backend_url: str
    bot_url: str
    database_url: str
    bot_database_url: str = ""
    _databases: dict[str, Database] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.bot_database_url = self.bot_database_url or self.database_url
        for url in {self.database_url, self.bot_database_url}:
            self._databases[url] = Database(url)

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
        """Read the backend's PostgreSQL database directly (from async tests too: the
        connection lives on a loop of its own)."""
        return self._databases[self.database_url].fetch(query, *args)

    def bot_sql(self, query: str, *args):
        """Read the bot's database (PostgreSQL here: BOT_DATABASE_URL)."""
        return self._databases[self.bot_database_url].fetch(query, *args)

    def close(self) -> None:
        for database in self._databases.values():
            database.close()
        self._databases.clear()

    # ---- waiting for the bot: on its state, never on a quiet spell ----------------------

    def _wait(self, done: Callable[[], Any], timeout: float, what: str) -> Any:
        """Poll `done()` until it is truthy. A database that is away (restarted by a test) is
        "not yet"; the last error is reported if time runs out."""
        deadline, error, pause = time.monotonic() + timeout, None, 0.02
        while True:
            try:
                value = done()
                if value:
                    return value
            except (TimeoutError, OSError, asyncpg.PostgresError,
                    asyncpg.InterfaceError) as exc:
                error = exc
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                                     + (f" (last error: {error!r})" if error else ""))
            # Soon at first (most turns take a fraction of a second), then less often: every
            # poll is a query, and a loaded machine makes turns long.
            time.sleep(pause)
            pause = min(pause * 1.5, 0.1)

    def _bot_busy(self, chat_id: int | str) -> dict:
        [row] = self.bot_sql(_BOT_BUSY, str(chat_id))
        return dict(row)

    def handled(self, update_id: int, chat_id: int | str) -> bool:
        """The bot is done with this update and has sent every reply to it: it confirmed the
        update to Telegram (after storing it in its inbox, or dropping it on purpose), the
        update left the inbox (in the transaction that saved the turn's replies in the
        outbox), and the chat's outbox is empty (a reply leaves it only once Telegram took
        it, so the fake has recorded all of them)."""
        if not self.telegram.confirmed(update_id):
            return False
        [row] = self.bot_sql(
            "SELECT (SELECT count(*) FROM bot_inbox WHERE channel = 'telegram' "
            "AND update_id = $1) + (SELECT count(*) FROM bot_outgoing "
            "WHERE channel = 'telegram' AND chat_id = $2) AS waiting",
            str(update_id), str(chat_id))
        return row["waiting"] == 0

    def sent_out(self, chat_id: int | str) -> bool:
        """Nothing waits in the bot's outbox for the chat (a push's replies are saved
        together before the first is sent: once its first message is seen, this is all of
        it)."""
        return self._bot_busy(chat_id)["outgoing"] == 0

    def idle(self, chat_id: int | str) -> bool:
        """Nothing more can come to the chat without something new happening: every update
        confirmed and handled, no reply or held submission of the bot's left, no push of the
        backend's undelivered."""
        if self.telegram.unconfirmed(int(chat_id)):
            return False
        if any(self._bot_busy(chat_id).values()):
            return False
        return self.pushes_pending(chat_id) == 0

    def pushes_pending(self, chat_id: int | str, channel: str = "telegram") -> int:
        """The backend's pushes to the chat not delivered yet."""
        return self.sql(_PUSHES_PENDING, str(chat_id), channel)[0]["pushes"]

    def wait_until(self, condition: Callable[[], Any], what: str,
                   timeout: float = 60) -> Any:
        """Poll `condition()` (on the databases, say) until it is truthy."""
        return self._wait(condition, timeout, what)

    def wait_until_handled(self, update_id: int, chat_id: int | str,
                           timeout: float = 60) -> None:
        self._wait(lambda: self.handled(update_id, chat_id), timeout,
                   f"the bot to finish update {update_id} of chat {chat_id}")

    def wait_until_sent_out(self, chat_id: int | str, timeout: float = 60) -> None:
        self._wait(lambda: self.sent_out(chat_id), timeout,
                   f"the bot to send everything it saved for chat {chat_id}")

    def wait_until_idle(self, chat_id: int | str, timeout: float = 60) -> None:
        try:
            self._wait(lambda: self.idle(chat_id), timeout,
                       f"nothing more to come in chat {chat_id}")
        except AssertionError as exc:
            state = (self.telegram.unconfirmed(int(chat_id)), self._bot_busy(chat_id),
                     self.pushes_pending(chat_id))
            raise AssertionError(f"{exc}: unconfirmed updates, the bot's queues, pushes "
                                 f"pending: {state}") from None


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
        stack = None
        if env.get("TELEGRAM_WEBHOOK_URL"):
            telegram.wait_for_webhook()
        else:
            telegram.wait_for_polling()
        try:
            stack = Stack(telegram, backend, bot, env["BACKEND_URL"],
                          f"http://127.0.0.1:{bot_port}", database_url,
                          env["BOT_DATABASE_URL"])
            yield stack
        finally:
            if stack is not None:
                stack.close()
            bot.stop()
            backend.stop()
