"""Alembic environment of the bot's database: run on the connection `bot.storage.migrate`
hands over, the history in `bot_alembic_version`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from bot.storage import models
from bot.storage.migrate import VERSION_TABLE

# Several bot processes may start at once on one PostgreSQL database: one migrates, the
# others wait for it (then find nothing left to do).
MIGRATION_LOCK = 0x626F745F6D6967  # "bot_mig"

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the bot's migrations through bot.storage.migrate")

context.configure(connection=connection, target_metadata=models.Base.metadata,
                  version_table=VERSION_TABLE, compare_type=True,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": MIGRATION_LOCK})
    context.run_migrations()
