"""Looking for personal data in clear: in every column of every table (the bytes stored), in
files (logs, a SQLite database's own files) and in text. Shared by the journeys of
test_no_clear_text.py (the whole stack on PostgreSQL) and test_free_text.py (the API, on SQLite
and PostgreSQL).

A secret is looked for as UTF-8 and as JSON writes it with ASCII escapes (SQLAlchemy's JSON
type does: "锦延路" is stored as "\\u9526\\u5ef6\\u8def"), so a value inside a JSON column is
found too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from backend.kernel.database import make_engine


def spellings(secret: str) -> set[bytes]:
    return {secret.encode(), json.dumps(secret)[1:-1].encode()}


def found(data: bytes | str, secrets: Iterable[str]) -> list[str]:
    """The secrets that appear in `data`."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    return [secret for secret in secrets if any(form in data for form in spellings(secret))]


def _value_as_stored(sqlite: bool, column: str) -> str:
    quoted = f'"{column}"'
    return f"CAST({quoted} AS BLOB)" if sqlite else f"convert_to({quoted}::text, 'UTF8')"


async def _stored(database_url: str) -> dict[str, list[bytes]]:
    engine = make_engine(database_url)
    sqlite = engine.dialect.name == "sqlite"
    try:
        async with engine.connect() as connection:
            def schema(sync_connection) -> dict[str, list[str]]:
                inspector = inspect(sync_connection)
                return {table: [c["name"] for c in inspector.get_columns(table)]
                        for table in inspector.get_table_names()}

            stored = {}
            for table, columns in (await connection.run_sync(schema)).items():
                for column in columns:
                    rows = await connection.execute(text(
                        f'SELECT {_value_as_stored(sqlite, column)} FROM "{table}"'))
                    stored[f"{table}.{column}"] = [bytes(value) for (value,) in rows
                                                   if value is not None]
            return stored
    finally:
        await engine.dispose()


def stored_bytes(database_url: str) -> dict[str, list[bytes]]:
    """Every column of every table of the database (SQLite or PostgreSQL): its values (not
    NULL) as the bytes stored, by "table.column". Callable from async tests (it runs on a loop
    of its own)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _stored(database_url)).result()


def column_leaks(database_url: str, secrets: Iterable[str]) -> dict[str, list[str]]:
    """{"table.column": the secrets stored in clear there} (empty: none anywhere)."""
    secrets = list(secrets)
    return {name: leaked for name, values in stored_bytes(database_url).items()
            if (leaked := found(b"\n".join(values), secrets))}


def database_files(database_url: str) -> list[Path]:
    """A SQLite database's files (the database, its write-ahead log); none for PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return []
    path = Path(url.database)
    return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]


def file_leaks(paths: Iterable[Path], secrets: Iterable[str]) -> dict[str, list[str]]:
    """{file: the secrets in it} for files holding any (read as bytes)."""
    secrets = list(secrets)
    return {str(path): leaked for path in paths if (leaked := found(path.read_bytes(), secrets))}
