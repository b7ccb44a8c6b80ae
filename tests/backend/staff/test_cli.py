"""`frontdesk staff create-admin` and `frontdesk staff add`: accounts made on the command line
can sign in; short or mistyped passwords and taken names are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend import cli
from backend.kernel.config import get_settings
from tests.backend.conftest import ENCRYPTION_KEY, INTERNAL_SECRET, STAFF_TOKEN

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "a long enough password"


def environment(database_url: str) -> dict[str, str]:
    return {"ENVIRONMENT": "test", "DATABASE_URL": database_url,
            "FIELD_ENCRYPTION_KEYS": ENCRYPTION_KEY, "STAFF_API_TOKEN": STAFF_TOKEN,
            "INTERNAL_SECRET": INTERNAL_SECRET}


async def test_create_admin_in_a_subprocess_then_sign_in(database_url, client,
                                                         tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "staff", "create-admin", "Root",
         "--password-stdin", "--display-name", "The Admin"],
        input=PASSWORD + "\n", capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, **environment(database_url), "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "root (admin) created" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr

    token = await client.post("/api/v1/auth/token",
                              data={"username": "root", "password": PASSWORD})
    assert token.status_code == 200
    staff = await client.get("/api/v1/staff", headers={
        "Authorization": f"Bearer {token.json()['access_token']}"})
    assert [(s["username"], s["display_name"], s["role"]) for s in staff.json()] == [
        ("root", "The Admin", "admin")]


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys):
    """`run(argv, stdin=..., typed=[...])`: frontdesk in this process; exit code, stdout,
    stderr. `typed` answers the password prompts."""
    import io

    for name, value in environment(database_url).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def run(argv: list[str], stdin: str = "", typed: list[str] | None = None):
        """`typed`: a terminal answers the prompts (then Ctrl-D); else stdin is a pipe."""
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin) if typed is None else Terminal())
        answers = iter(typed or [])

        def getpass(prompt: str = "") -> str:
            try:
                return next(answers)
            except StopIteration:
                raise EOFError from None

        monkeypatch.setattr("getpass.getpass", getpass)
        code = cli.main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


def test_add_with_role_prompts_twice_and_refuses(run) -> None:
    assert run(["staff", "add", "tom", "--role", "technician"],
               typed=[PASSWORD, PASSWORD])[:2] == (0, "staff account tom (technician) "
                                                      "created\n")
    code, _, err = run(["staff", "add", "tim", "--role", "agent"],
                       typed=[PASSWORD, PASSWORD + "x"])
    assert (code, err) == (2, "the passwords differ\n")
    code, _, err = run(["staff", "create-admin", "root", "--password-stdin"],
                       stdin="123456789\n")
    assert (code, err) == (2, "the password needs at least 10 characters\n")
    code, _, err = run(["staff", "create-admin", "root", "--password-stdin"], stdin="")
    assert (code, err) == (2, "--password-stdin: standard input is empty; give the password "
                              "on its first line\n")
    code, _, err = run(["staff", "create-admin", "root"], typed=[PASSWORD])  # then Ctrl-D
    assert (code, err) == (2, "\nno password given\n")
    code, _, err = run(["staff", "create-admin", "TOM", "--password-stdin"],
                       stdin=PASSWORD + "\n")
    assert (code, err) == (1, "an account named 'tom' exists\n")
    code, _, err = run(["staff", "create-admin", "api", "--password-stdin"],
                       stdin=PASSWORD + "\n")
    assert code == 2 and "reserved" in err
    code, _, err = run(["staff", "add", "has space", "--role", "agent"])  # asks no password
    assert code == 2 and err.startswith("username: 2 to 64 characters")
    with pytest.raises(SystemExit):
        run(["staff", "add", "x", "--role", "owner", "--password-stdin"])


@pytest.mark.parametrize("stdin", ["piped", "devnull"])
def test_without_a_terminal_it_says_to_use_password_stdin(tmp_path, stdin: str) -> None:
    """`echo | frontdesk staff create-admin NAME` or `... < /dev/null` with no terminal (CI, a
    container without -t): a clear way out and exit code 2, not a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "staff", "create-admin", "root"],
        input="\n" if stdin == "piped" else None,
        stdin=subprocess.DEVNULL if stdin == "devnull" else None,
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        start_new_session=True,  # no controlling terminal for getpass to fall back on
        env={**os.environ, **environment(f"sqlite+aiosqlite:///{tmp_path}/frontdesk.db"),
             "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("no terminal to ask for the password on")
    assert ("printf '%s\\n' \"$PASSWORD\" | frontdesk staff create-admin root --password-stdin"
            in result.stderr)
