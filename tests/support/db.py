"""Throwaway databases for tests (and the benchmark), each migrated to the latest revision.

    from tests.support.db import postgres_database, sqlite_database

    with postgres_database() as url:       # postgresql+asyncpg://postgres@127.0.0.1:5432/frontdesk_test_3f9a…
        ...                                # a new database, migrated, dropped on exit
    with sqlite_database() as url:         # sqlite+aiosqlite:////tmp/frontdesk-…/frontdesk.db
        ...

Both are plain (synchronous) context managers that work inside or outside a running event loop
(their own async work runs on a private loop in a helper thread). Options:
    migrate=False       leave the database empty (to test the migrations themselves)
    template=url        start from a copy of another database of the same kind (PostgreSQL:
                        CREATE DATABASE … TEMPLATE; SQLite: a file copy). Much faster than
                        migrating: migrate one template per session, copy it per test.

PostgreSQL is reached through FRONTDESK_TEST_PG_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test): a role allowed to CREATE DATABASE, and an
existing database to connect to for that. If the server is unreachable the test is skipped with
the reason, unless FRONTDESK_REQUIRE_POSTGRES=1 (CI), where it fails.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import URL, make_url

from backend.migrate import upgrade

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_CONNECT_TIMEOUT = 5.0
# A server that is up but busy (CREATE DATABASE checkpoints while the machine's two cores are
# saturated) can take longer than that to accept: tried again before it counts as away.
PG_CONNECT_ATTEMPTS = 3

T = TypeVar("T")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be reached (outside pytest; under pytest the test is skipped/failed)."""


def postgres_base_url() -> str:
    return os.environ.get("FRONTDESK_TEST_PG_URL") or DEFAULT_PG_URL


def postgres_required() -> bool:
    return os.environ.get("FRONTDESK_REQUIRE_POSTGRES") == "1"


def _in_thread(function: Callable[..., T], *args: Any) -> T:
    """Call in a helper thread: there, no event loop runs, so `asyncio.run` (ours and Alembic's)
    works whether or not the calling thread already runs one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return _in_thread(asyncio.run, coro)


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _unavailable(reason: str) -> None:
    message = (f"PostgreSQL tests cannot run: {reason}. Start PostgreSQL or point "
               f"FRONTDESK_TEST_PG_URL at one.")
    if "pytest" in sys.modules:
        import pytest

        if postgres_required():
            pytest.fail(f"{message} (FRONTDESK_REQUIRE_POSTGRES=1: this is a failure)",
                        pytrace=False)
        pytest.skip(f"SKIPPED POSTGRESQL: {message} (set FRONTDESK_REQUIRE_POSTGRES=1 to fail)")
    raise PostgresUnavailable(message)


async def _admin(base: URL, *statements: str) -> None:
    connection = await _connect(base)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _connect(base: URL) -> asyncpg.Connection:
    for attempt in range(1, PG_CONNECT_ATTEMPTS + 1):
        try:
            return await asyncpg.connect(_asyncpg_dsn(base), timeout=PG_CONNECT_TIMEOUT)
        except TimeoutError:
            if attempt == PG_CONNECT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_postgres_database(*, migrate: bool = True, template: str | None = None,
                             prefix: str = "frontdesk_test") -> str:
    """Create a new PostgreSQL database (migrated, or a copy of `template`) and return its async
    URL; `drop_postgres_database(url)` removes it. Prefer the `postgres_database` block."""
    base = make_url(postgres_base_url())
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create = f"CREATE DATABASE {_quote(name)}"
    if template is not None:
        create += f" TEMPLATE {_quote(make_url(template).database)}"
    try:
        _run(_admin(base, create))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        _unavailable(f"{base.render_as_string(hide_password=True)}: "
                     f"{type(exc).__name__}: {exc}")
    url = base.set(database=name).render_as_string(hide_password=False)
    if migrate and template is None:
        try:
            _in_thread(upgrade, url)
        except BaseException:
            drop_postgres_database(url)
            raise
    return url


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    _run(_admin(make_url(postgres_base_url()),
                f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)"))


@contextmanager
def postgres_database(*, migrate: bool = True, template: str | None = None,
                      prefix: str = "frontdesk_test") -> Iterator[str]:
    """A new PostgreSQL database for the duration of the block; yields its async URL."""
    url = create_postgres_database(migrate=migrate, template=template, prefix=prefix)
    try:
        yield url
    finally:
        drop_postgres_database(url)


@contextmanager
def sqlite_database(*, migrate: bool = True, template: str | None = None) -> Iterator[str]:
    """A new SQLite database file in a temporary directory; yields its async URL."""
    directory = Path(tempfile.mkdtemp(prefix="frontdesk-"))
    path = directory / "frontdesk.db"
    url = f"sqlite+aiosqlite:///{path}"
    try:
        if template is not None:
            source = Path(make_url(template).database)
            shutil.copyfile(source, path)
            for suffix in ("-wal", "-shm"):
                if source.with_name(source.name + suffix).exists():
                    shutil.copyfile(source.with_name(source.name + suffix),
                                    path.with_name(path.name + suffix))
        elif migrate:
            _in_thread(upgrade, url)
        yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)

