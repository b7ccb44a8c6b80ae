"""The bot's own database (BOT_DATABASE_URL): one engine, one declarative base, migrations.

`database.py` makes the engine and sessions (`BotStorage`), `models.py` holds every bot
table, `migrations/` their Alembic history (version table `bot_alembic_version`, so the bot's
tables can share a PostgreSQL database with the backend's), `migrate.py` applies it. The
stores on top: `bot.dialogue.state.ConversationStore`, `bot.nonces.NonceStore`.
"""

from bot.storage.database import BotStorage

__all__ = ["BotStorage"]
