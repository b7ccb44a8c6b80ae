"""Session-wide real parts: the trained Rasa model served by a real Rasa server."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

from tests.support import clock

# Before anything reads the clock: this process and every one it starts run on the test clock.
clock.install()

import pytest  # noqa: E402

from backend.kernel.config import Settings  # noqa: E402
from nlu import rasa_env  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from tests.support.stack import Stack, running_stack  # noqa: E402

IN_CI = os.environ.get("CI") == "true"

# How a parallel run (pytest -n N, as `make test` runs it) shares Rasa and runs what must be
# alone.
pytest_plugins = ["tests.support.parallel"]


def _no_rasa(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def _test_timer_paused():
    """Stop pytest-timeout's clock (its signal method: an interval timer) and restart it
    with the time the test had left."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    left, _ = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        if left:
            signal.setitimer(signal.ITIMER_REAL, left)


@pytest.fixture(scope="session")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Rasa server with the model trained from nlu/ (trained first if data changed).

    In a parallel run, the one the controller started (pytest_configure). FRONTDESK_TEST_RASA_URL
    reuses a server that is already running (a developer's shortcut while editing other parts;
    not in CI)."""
    from tests.support.parallel import SHARED_RASA  # registered as a plugin below

    if shared := os.environ.get(SHARED_RASA):
        try:
            # Training (when nlu/ changed) and loading, beside the tests that need no Rasa:
            # not the time of the test that happens to ask first.
            with _test_timer_paused():
                rasa_env.wait_until_ready(shared, timeout=900)
        except rasa_env.RasaError as exc:
            _no_rasa(f"Rasa is not available at {shared}: {exc} "
                     f"(its log: {os.environ.get('FRONTDESK_TEST_RASA_LOG')})")
        yield shared
        return
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
        _no_rasa(f"Rasa is not available: {exc}\n"
                 f"{log_file.read_text()[-3000:] if log_file.exists() else ''}")
    yield url
    rasa_env.stop_server(process)


@pytest.fixture(scope="session")
def stack(rasa_url: str, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """Backend (PostgreSQL) and bot processes, with the fake Telegram Bot API, for the session."""
    with running_stack(rasa_url, tmp_path_factory.mktemp("var")) as running:
        yield running

