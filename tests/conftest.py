"""Session-wide real parts: the trained Rasa model served by a real Rasa server."""

from __future__ import annotations

import os

import pytest

from backend.config import Settings
from nlu import rasa_env
from tests.support.processes import free_port
from tests.support.stack import Stack, running_stack

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Rasa server with the model trained from nlu/ (trained first if data changed).

    FRONTDESK_TEST_RASA_URL reuses a server that is already running (a developer's shortcut
    while editing other parts; CI never sets it)."""
    if os.environ.get("FRONTDESK_TEST_RASA_URL") and not IN_CI:
        yield os.environ["FRONTDESK_TEST_RASA_URL"]
        return
    port = free_port()
    log_file = tmp_path_factory.mktemp("rasa") / "rasa.log"
    try:
        process = rasa_env.start_server(Settings(), port=port, log_file=log_file)
        url = f"http://127.0.0.1:{port}"
        rasa_env.wait_until_ready(url, timeout=300, process=process)
    except rasa_env.RasaError as exc:
        message = f"Rasa is not available: {exc}\n{log_file.read_text()[-3000:] if log_file.exists() else ''}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield url
    rasa_env.stop_server(process)


@pytest.fixture(scope="session")
def stack(rasa_url: str, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """Backend (PostgreSQL) and bot processes, with the fake Telegram Bot API, for the session."""
    with running_stack(rasa_url, tmp_path_factory.mktemp("var")) as running:
        yield running
