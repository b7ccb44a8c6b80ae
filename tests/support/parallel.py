"""The suite on several workers (`pytest -n N`, as `make test` runs it; pytest-xdist).

The tests mostly wait on real parts (processes starting, Rasa parsing, a browser), so four
workers on two cores finish in a fraction of the time one takes. Three things make that work:

- one Rasa server for everyone: the controller starts it, in the background, before the
  workers exist, and hands them its address in FRONTDESK_TEST_SHARED_RASA_URL (tests/conftest.py's
  `rasa_url` waits until it answers, a wait that is not the test's time). Setting up Rasa's
  environment when it is missing (~1 min), training the model when nlu/ changed and the model
  cache has none of these files (~3.5 min; `make test` leaves both to this) and loading it
  (~35 s) overlap the tests that need no Rasa;
- the modules that need no Rasa first (they keep the workers busy while Rasa trains and
  loads), and in each half the slowest modules first, then the ones with the most tests, so
  that none of them is the last thing the run waits for (`make test` passes
  `--no-loadscope-reorder`: xdist would otherwise hand out the modules by their number of tests
  alone, and the slowest, which have few, came last);
- what disturbs a service every test shares (the `alone` mark: a PostgreSQL restart) is left
  out of the workers and run by the controller once they are done, in a second pytest on the
  same Rasa server; its result is the run's result as much as the workers' are.

A plain `pytest` (no -n) runs everything in one process, in place, as before.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

import pytest

from backend.kernel.config import Settings
from nlu import rasa_env
from tests.support.processes import free_port

SHARED_RASA = "FRONTDESK_TEST_SHARED_RASA_URL"
IN_CI = os.environ.get("CI") == "true"
# The modules that take longest, first (among those without Rasa, and among those with it).
SLOW_FIRST = ("tests/fuzz/test_openapi.py", "tests/fuzz/test_dialogue.py",
              "tests/test_any_date.py", "tests/backend/products/photos/test_photo_reading.py",
              "tests/faults/test_load.py")

_RASA = pytest.StashKey[tuple[threading.Thread, list[subprocess.Popen]]]()


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _is_controller(config: pytest.Config) -> bool:
    """The process that hands tests to workers (not a plain run: that has no workers)."""
    return not _is_worker(config) and (getattr(config.option, "numprocesses", None) or 0) != 0


def pytest_configure(config: pytest.Config) -> None:
    if not _is_controller(config) or os.environ.get(SHARED_RASA):
        return
    if os.environ.get("FRONTDESK_TEST_RASA_URL") and not IN_CI:
        os.environ[SHARED_RASA] = os.environ["FRONTDESK_TEST_RASA_URL"]
        return
    log_file = Path(tempfile.mkdtemp(prefix="frontdesk-rasa-")) / "rasa.log"
    port, started = free_port(), []

    def start() -> None:
        try:
            started.append(rasa_env.start_server(Settings(), port=port, log_file=log_file))
        except rasa_env.RasaError as exc:  # the workers wait in vain and report the log
            with log_file.open("a") as log:
                print(f"the Rasa server did not start: {exc}", file=log)

    thread = threading.Thread(target=start, name="rasa", daemon=True)
    thread.start()
    config.stash[_RASA] = (thread, started)
    os.environ[SHARED_RASA] = f"http://127.0.0.1:{port}"
    os.environ["FRONTDESK_TEST_RASA_LOG"] = str(log_file)  # read by tests/privacy


def pytest_unconfigure(config: pytest.Config) -> None:
    if (rasa := config.stash.get(_RASA, None)) is not None:
        thread, started = rasa
        thread.join()
        rasa_env.stop_servers(started)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def module(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]

    # Marked, or asking for it (a fixture picked at run time, such as the engine-or-Telegram
    # `chat`, is found by the mark only).
    with_rasa = {module(item) for item in items
                 if item.get_closest_marker("rasa") or "rasa_url" in item.fixturenames}

    sizes = Counter(module(item) for item in items)

    def rank(item: pytest.Item) -> tuple[bool, int, int]:
        path = module(item)
        return (path in with_rasa,
                SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST),
                -sizes[path])

    items.sort(key=rank)
    if _is_worker(config):
        alone = [item for item in items if item.get_closest_marker("alone")]
        if alone:
            config.hook.pytest_deselected(items=alone)
            items[:] = [item for item in items if not item.get_closest_marker("alone")]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not _is_controller(config) or exitstatus == pytest.ExitCode.INTERRUPTED:
        return
    wanted = config.option.markexpr
    # The environment carries the shared Rasa server's address (SHARED_RASA) to it.
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_ADDOPTS"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-m", f"alone and ({wanted})" if wanted else "alone", *config.args],
        env=env, capture_output=True, text=True)
    report = config.pluginmanager.get_plugin("terminalreporter")
    if run.returncode == pytest.ExitCode.NO_TESTS_COLLECTED:
        return  # none selected
    if report is not None:
        report.write_sep("=", "the tests that run alone, after the workers")
        report.write(run.stdout[-6000:] + run.stderr[-3000:])
    if run.returncode != pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
