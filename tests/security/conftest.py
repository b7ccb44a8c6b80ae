"""Security tests: the backend's fixtures (each test on SQLite and on PostgreSQL, the app
in-process) with the production rule for the bot's calls: signed, never the bare secret."""

from __future__ import annotations

import pytest

from backend.kernel.config import Settings
from tests.backend.conftest import (  # noqa: F401  (fixtures)
    app,
    client,
    database_url,
    make_settings,
    postgres_copies,
    sqlite_template,
)
from tests.backend.staff.conftest import (  # noqa: F401  (fixtures)
    add_staff,
    cheap_password_hashing,
    clients_from,
)


@pytest.fixture
def settings(database_url: str) -> Settings:  # noqa: F811
    return make_settings(database_url)
