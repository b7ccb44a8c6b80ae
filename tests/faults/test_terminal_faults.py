"""The terminal chat's share of "a bot killed at any moment loses nothing and repeats
nothing", with `frontdesk bot --terminal` as a real process on its SQLite database: a line
typed before the process was killed mid-turn is answered once when it starts again, and so is
a line whose answer was saved but not yet printed when it was killed.

Rasa sits behind a proxy that can hold the bot's request (the turn is under way for as long as
the test holds it); the terminal's output is a pipe the test can fill, so that the bot's next
print blocks (its answer saved in the outbox, not shown)."""

from __future__ import annotations

import fcntl
import os
import select
import sqlite3
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support.processes import PROJECT_DIR, free_port
from tests.support.proxy import HoldingProxy

pytestmark = pytest.mark.rasa

REPAIR = "my washing machine won't drain, please send a technician"
# The turn's two replies: an acknowledgement, then the form's next question.
ANSWER = ("let's book a repair", "error code")


class Terminal:
    """`frontdesk bot --terminal` in a process: lines typed on its input, its output read
    from a pipe that `stall()` fills (its next print then blocks) until `drain()`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._read_end, self._write_end = os.pipe()
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backend.cli", "bot", "--terminal"], env=env,
                cwd=PROJECT_DIR, stdin=subprocess.PIPE, stdout=self._write_end, stderr=stderr)
        self._output = bytearray()
        self._reading = threading.Lock()  # held: nothing is read from the pipe
        self._stalled = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            with self._reading:
                try:
                    ready, _, _ = select.select([self._read_end], [], [], 0.05)
                    if ready:
                        self._output += os.read(self._read_end, 65536)
                except OSError:  # closed
                    return

    @property
    def output(self) -> str:
        return self._output.replace(b"\0", b"").decode(errors="replace")

    def type(self, line: str) -> None:
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.process.poll() is None, f"the terminal chat exited: {self.output}"
            assert time.monotonic() < deadline, f"no {text!r} in {self.output!r}"
            time.sleep(0.05)
        return self.output

    def stall(self) -> None:
        """Stop reading and fill the pipe to the last byte: the process's next print waits.
        (Blocking writes of exactly the room left: O_NONBLOCK would be the process's too.)"""
        self._reading.acquire()
        self._stalled = True
        queued = bytearray(4)
        fcntl.ioctl(self._read_end, termios.FIONREAD, queued)
        room = fcntl.fcntl(self._write_end, fcntl.F_GETPIPE_SZ) - int.from_bytes(
            queued, sys.byteorder)
        os.write(self._write_end, b"\0" * room)

    def drain(self) -> None:
        self._stalled = False
        self._reading.release()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def quit(self) -> int:
        """End of input (Ctrl-D): the bot stops."""
        self.process.stdin.close()
        return self.process.wait(30)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        if self._stalled:
            self.drain()
        os.close(self._write_end)
        time.sleep(0.1)  # the reader sees the last of the output
        os.close(self._read_end)
        self._reader.join(5)


@pytest.fixture
def terminal(stack, rasa_url, tmp_path) -> Iterator:
    """Starts terminal chats on one bot database, Rasa behind `terminal.rasa`."""
    rasa = HoldingProxy(urlparse(rasa_url).port).up()
    env = {**os.environ, "RASA_URL": rasa.url, "RASA_TIMEOUT_SECONDS": "30",
           "BACKEND_URL": stack.backend_url, "TELEGRAM_BOT_TOKEN": "",
           "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "BOT_PORT": str(free_port()), "DATA_DIR": str(tmp_path),
           # What a killed process left is picked up at the start, then every second.
           "TELEGRAM_SWEEP_SECONDS": "1"}
    started: list[Terminal] = []

    def start() -> Terminal:
        started.append(Terminal(env, tmp_path / "stderr.log"))
        started[-1].wait_for("you>")
        return started[-1]

    def waiting() -> dict[str, int]:
        with sqlite3.connect(tmp_path / "bot.db") as db:
            return {table: db.execute(f"SELECT count(*) FROM {table} WHERE channel = "
                                      "'terminal'").fetchone()[0]
                    for table in ("bot_inbox", "bot_outgoing")}

    start.rasa, start.waiting = rasa, waiting
    yield start
    rasa.release()
    for chat in started:
        chat.close()
    rasa.close()


def answered_once_after_a_restart(terminal, killed: Terminal) -> None:
    assert not any(reply in killed.output for reply in ANSWER)
    back = terminal()
    back.wait_for(ANSWER[-1])
    assert [back.output.count(reply) for reply in ANSWER] == [1, 1], back.output
    # A reply is deleted from the outbox once printed: the deletion commits just after.
    deadline = time.monotonic() + 10
    while terminal.waiting() != {"bot_inbox": 0, "bot_outgoing": 0}:
        assert time.monotonic() < deadline, f"left behind: {terminal.waiting()}"
        time.sleep(0.05)
    said = back.output.count("bot>")
    back.type("1")  # the form goes on from the answer shown: [1] is its first button
    deadline = time.monotonic() + 30
    while back.output.count("bot>") == said:
        assert time.monotonic() < deadline, f"no answer to the button: {back.output!r}"
        time.sleep(0.05)
    assert back.quit() == 0
    assert [back.output.count(reply) for reply in ANSWER] == [1, 1], back.output


def test_a_line_typed_before_the_bot_was_killed_mid_turn_is_answered_once(terminal):
    chat = terminal()
    terminal.rasa.hold()
    chat.type(REPAIR)
    deadline = time.monotonic() + 30
    while not (terminal.rasa.held and terminal.waiting()["bot_inbox"] == 1):
        assert time.monotonic() < deadline, "the line's turn never reached Rasa"
        time.sleep(0.05)
    chat.kill()  # SIGKILL: the line is in the inbox, its turn never saved
    terminal.rasa.release()

    answered_once_after_a_restart(terminal, chat)


def test_an_answer_saved_but_not_printed_before_the_kill_is_printed_once(terminal):
    chat = terminal()
    chat.stall()
    chat.type(REPAIR)
    deadline = time.monotonic() + 30
    while not (terminal.waiting()["bot_inbox"] == 0 and terminal.waiting()["bot_outgoing"]):
        assert time.monotonic() < deadline, f"the turn never saved: {terminal.waiting()}"
        time.sleep(0.05)
    time.sleep(0.5)  # the print under way, blocked on the full pipe
    chat.kill()  # the answer is in the outbox, never printed
    chat.drain()

    answered_once_after_a_restart(terminal, chat)
