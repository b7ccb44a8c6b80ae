"""Key rotation: re-encrypt every encrypted value that is not under the first key.

Which columns: every encrypted column of every model (`crypto.ENCRYPTED_TYPES`: EncryptedString,
EncryptedJSON, EncryptedBytes; found in `Base.metadata`, so a new encrypted column is rotated
without an edit here): the personal fields, the customers' free text (descriptions, details,
notes, comments ...) and the photos of their invoices and nameplates.
How: per table, rows in primary-key order, `batch_size` at a time (fewer for a table of
large values: `EncryptedBytes.rotation_batch`, the photos), each batch its own short
transaction; a value is rewritten only if it is still the ciphertext that was read (a
concurrent change wins, and is under the first key anyway). Nothing is locked beyond the rows
of one batch, and every value stays readable throughout: the old keys still decrypt until they
are removed from FIELD_ENCRYPTION_KEYS. Then the customers' phone hashes, keyed with a key
derived from the first (backend/customers/phones.py), are keyed again under the new one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy import Text, and_, column, or_, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import backend.models  # noqa: F401  (every model, so the metadata is complete)
from backend.customers import service as customer_service
from backend.kernel import crypto
from backend.kernel.config import Settings
from backend.kernel.database import Base, rowcount
from backend.kernel.workers import PeriodicWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EncryptedTable:
    """A table's encrypted columns, read and written as the raw ciphertext."""

    name: str
    key: str
    columns: tuple[str, ...]
    # At most this many rows at once (a column of large values: photos), or no limit.
    batch_limit: int | None = None

    @property
    def raw(self):
        return table(self.name, column(self.key), *(column(c, Text) for c in self.columns))


def encrypted_tables() -> list[EncryptedTable]:
    found = []
    for model_table in Base.metadata.sorted_tables:
        encrypted = [c for c in model_table.columns
                     if isinstance(c.type, crypto.ENCRYPTED_TYPES)]
        if encrypted:
            [key] = model_table.primary_key.columns  # one-column keys only
            limits = [c.type.rotation_batch for c in encrypted
                      if isinstance(c.type, crypto.EncryptedBytes)]
            found.append(EncryptedTable(model_table.name, key.name,
                                        tuple(c.name for c in encrypted),
                                        min(limits) if limits else None))
    return found


@dataclass
class ColumnStatus:
    values: int = 0  # not NULL
    current: int = 0  # under the first key
    older: int = 0  # under another configured key: to re-encrypt
    unreadable: int = 0  # under no configured key


@dataclass
class RotationResult:
    reencrypted: int = 0
    unreadable: int = 0
    rehashed: int = 0  # customers' phone hashes keyed again (backend/customers/phones.py)
    columns: dict[str, ColumnStatus] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return sum(status.older for status in self.columns.values())


async def _batches(db_session: AsyncSession, encrypted: EncryptedTable, batch_size: int):
    raw = encrypted.raw
    key = raw.c[encrypted.key]
    batch_size = min(batch_size, encrypted.batch_limit or batch_size)
    last = None
    while True:
        statement = (select(key, *(raw.c[c] for c in encrypted.columns))
                     .where(or_(*(raw.c[c].is_not(None) for c in encrypted.columns)))
                     .order_by(key).limit(batch_size))
        if last is not None:
            statement = statement.where(key > last)
        rows = (await db_session.execute(statement)).all()
        if not rows:
            return
        last = rows[-1][0]
        yield rows


async def status(*, db_session: AsyncSession, batch_size: int = 1000) -> RotationResult:
    """How many values of each encrypted column are under which key (reads everything)."""
    result = RotationResult()
    for encrypted in encrypted_tables():
        for name in encrypted.columns:
            result.columns[f"{encrypted.name}.{name}"] = ColumnStatus()
        async for rows in _batches(db_session, encrypted, batch_size):
            for row in rows:
                for name, value in zip(encrypted.columns, row[1:], strict=True):
                    if value is None:
                        continue
                    counts = result.columns[f"{encrypted.name}.{name}"]
                    counts.values += 1
                    if crypto.is_under_primary(value):
                        counts.current += 1
                    else:
                        try:
                            crypto.decrypt_bytes(value)  # any value: a text, or a photo
                            counts.older += 1
                        except crypto.DecryptionError:
                            counts.unreadable += 1
        await db_session.rollback()
    return result


async def rotate(*, db_session: AsyncSession, batch_size: int = 500,
                 pause_seconds: float = 0.0) -> RotationResult:
    """Re-encrypt under the first key every value that is not; commits after each batch (and
    waits `pause_seconds` between batches, to leave the database to others). Values no key
    reads are counted and left as they are."""
    result = RotationResult()
    for encrypted in encrypted_tables():
        raw = encrypted.raw
        key = raw.c[encrypted.key]
        async for rows in _batches(db_session, encrypted, batch_size):
            for row in rows:
                changes, unchanged = {}, []
                for name, value in zip(encrypted.columns, row[1:], strict=True):
                    if value is None or crypto.is_under_primary(value):
                        continue
                    try:
                        changes[name] = crypto.reencrypt(value)
                        unchanged.append(raw.c[name] == value)
                    except crypto.DecryptionError:
                        result.unreadable += 1
                if changes:
                    done = await db_session.execute(
                        update(raw).where(and_(key == row[0], *unchanged)).values(changes))
                    if rowcount(done):
                        result.reencrypted += len(changes)
            await db_session.commit()
            if pause_seconds:
                await asyncio.sleep(pause_seconds)
        await db_session.commit()
    # What is keyed with a key derived from the first (the phone hashes) follows it.
    result.rehashed = await customer_service.rehash_phones(db_session=db_session,
                                                           batch_size=batch_size)
    if result.reencrypted or result.unreadable:
        log.info("key rotation: %d values re-encrypted under the first key, %d unreadable",
                 result.reencrypted, result.unreadable)
    return result


class KeyRotationWorker(PeriodicWorker):
    """Re-encrypts, in the background, what is not under the first key, while more than one
    key is configured. One full pass leaves nothing behind (new values are written under the
    first key), so after it the worker only waits."""

    name = "key rotation worker"
    wait_first = True

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession],
                 settings: Settings) -> None:
        super().__init__(interval=settings.key_rotation_poll_seconds)
        self._sessionmaker = sessionmaker
        self._batch_size = settings.key_rotation_batch_size
        self._done = False

    async def run_once(self) -> RotationResult | None:
        if self._done or crypto.key_count() < 2:
            return None
        async with self._sessionmaker() as session:
            result = await rotate(db_session=session, batch_size=self._batch_size,
                                  pause_seconds=0.05)
        self._done = True
        if result.unreadable:
            log.warning("key rotation: %d stored values cannot be decrypted with any "
                        "configured key", result.unreadable)
        return result
