"""The backend's fixtures (every database test on SQLite and PostgreSQL) and staff accounts."""

from tests.backend.conftest import (  # noqa: F401
    app,
    change_status,
    client,
    create,
    database_url,
    postgres_copies,
    settings,
    sqlite_template,
)
from tests.backend.staff.conftest import add_staff, cheap_password_hashing, token_for  # noqa: F401
from tests.bot.conftest import backend_url, chat, engine, recorded_nlu  # noqa: E402, F401
from tests.e2e.conftest import browser  # noqa: E402, F401
