"""`frontdesk`: the one command for everything a user runs.

    frontdesk up                      the whole thing on the embedded default (SQLite, Rasa,
                                      backend, bot; a terminal chat without a Telegram token)
    frontdesk backend                 the API (migrates the database first)
    frontdesk bot [--terminal]        the bot (Telegram if TELEGRAM_BOT_TOKEN is set)
    frontdesk db upgrade              apply the database migrations
    frontdesk staff create-admin NAME an admin account (asks for the password twice, or reads
                                      one line with --password-stdin)
    frontdesk staff add NAME --role R an account of another role, likewise
    frontdesk keys generate|status|rotate
                                      encryption keys of personal data: a new key, which key
                                      the stored values are under, re-encrypt under the first
    frontdesk nlu setup|train|serve|parse|eval
    frontdesk eval conversations FILE.yml
                                      play conversations through the dialogue engine
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import httpx

from backend.config import Settings, get_settings
from backend.staff.enums import Role


def _logging(settings: Settings, log_file: Path | None = None) -> None:
    handlers: list[logging.Handler] = []
    if log_file:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    else:
        handlers.append(logging.StreamHandler())
    logging.basicConfig(level=settings.log_level.upper(), handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; keep it to warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)


# ---- backend and bot -----------------------------------------------------------------------

def cmd_backend(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from backend.app import create_app
    from backend.migrate import upgrade

    _logging(settings)
    upgrade(settings.database_url)
    uvicorn.run(create_app(settings), host=settings.backend_host, port=settings.backend_port,
                log_level=settings.log_level.lower(), access_log=False,
                # Behind the edge: the client's address from X-Forwarded-For, believed only
                # from FORWARDED_ALLOW_IPS (docs/security.md).
                proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips)
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from backend.migrate import upgrade

    _logging(settings)
    upgrade(settings.database_url)
    print("database is at the latest migration")
    return 0


def cmd_bot(settings: Settings, args: argparse.Namespace) -> int:
    from bot.main import run_bot

    if not settings.telegram_bot_token and not args.terminal:
        print("TELEGRAM_BOT_TOKEN is not set: use `frontdesk bot --terminal` for a terminal "
              "chat, or set the token.", file=sys.stderr)
        return 2
    # In a terminal chat the logs would mix with the conversation: they go to a file.
    _logging(settings, settings.data_dir / "log" / "bot.log" if args.terminal else None)
    asyncio.run(run_bot(settings, terminal=args.terminal))
    return 0


# ---- staff accounts ------------------------------------------------------------------------

def _read_password(args: argparse.Namespace) -> str | None:
    """One line from stdin with --password-stdin; else asked twice on the terminal. None (the
    reason said) if the two differ or there is no terminal to ask on."""
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            print("--password-stdin: standard input is empty; give the password on its first "
                  "line", file=sys.stderr)
            return None
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        role = f" --role {args.role}" if args.staff_command == "add" else ""
        print("no terminal to ask for the password on: give it on the first line of standard "
              "input with --password-stdin, e.g.\n"
              f"  printf '%s\\n' \"$PASSWORD\" | frontdesk staff {args.staff_command} "
              f"{args.username}{role} --password-stdin", file=sys.stderr)
        return None
    import getpass

    try:
        password = getpass.getpass("Password: ")
        again = getpass.getpass("Password again: ")
    except EOFError:  # Ctrl-D at the prompt
        print("\nno password given", file=sys.stderr)
        return None
    if again != password:
        print("the passwords differ", file=sys.stderr)
        return None
    return password


async def _create_staff(settings: Settings, data) -> None:
    from backend.database import make_engine, make_sessionmaker
    from backend.staff import service as staff_service

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            await staff_service.create(db_session=session, data=data)
    finally:
        await engine.dispose()


def cmd_staff(settings: Settings, args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from backend.migrate import upgrade
    from backend.staff import service as staff_service
    from backend.staff.schemas import PASSWORD_MIN, StaffCreate, check_username

    role = "admin" if args.staff_command == "create-admin" else args.role
    try:
        check_username(args.username)  # before the password is typed
    except ValueError as exc:
        print(f"username: {exc}", file=sys.stderr)
        return 2
    password = _read_password(args)
    if password is None:
        return 2
    if len(password) < PASSWORD_MIN:
        print(f"the password needs at least {PASSWORD_MIN} characters", file=sys.stderr)
        return 2
    try:
        data = StaffCreate(username=args.username, display_name=args.display_name, role=role,
                           password=password)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            print(f"{field}: {error['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    try:
        asyncio.run(_create_staff(settings, data))
    except staff_service.UsernameTaken as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"staff account {data.username} ({role}) created")
    return 0


# ---- encryption keys of personal data --------------------------------------------------------

async def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from backend import crypto
    from backend.database import make_engine, make_sessionmaker
    from backend.privacy import rotation

    crypto.configure(settings.field_encryption_keys)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            if args.keys_command == "rotate":
                done = await rotation.rotate(db_session=session, batch_size=args.batch_size)
                print(f"{done.reencrypted} values re-encrypted under the first key")
            result = await rotation.status(db_session=session)
    finally:
        await engine.dispose()
    print(f"{crypto.key_count()} key(s) configured")
    print(f"{'column':32} {'values':>8} {'first key':>10} {'older key':>10} {'unreadable':>10}")
    for name, counts in result.columns.items():
        print(f"{name:32} {counts.values:>8} {counts.current:>10} {counts.older:>10} "
              f"{counts.unreadable:>10}")
    unreadable = sum(counts.unreadable for counts in result.columns.values())
    if unreadable:
        print(f"{unreadable} values cannot be decrypted with any configured key: a key that "
              "encrypted them is missing from FIELD_ENCRYPTION_KEYS", file=sys.stderr)
        return 1
    if result.pending:
        print(f"{result.pending} values are under an older key: run `frontdesk keys rotate` "
              "before removing it")
        return 1
    if crypto.key_count() > 1:
        print("everything is under the first key: the other keys can be removed")
    return 0


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    from backend import crypto

    if args.keys_command == "generate":
        from cryptography.fernet import Fernet

        print(Fernet.generate_key().decode())
        return 0
    try:
        return asyncio.run(_keys(settings, args))
    except crypto.EncryptionKeyError as exc:
        print(str(exc), file=sys.stderr)
        return 2


# ---- everything at once --------------------------------------------------------------------

def _wait_for(url: str, timeout: float, process: subprocess.Popen, what: str) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"{what} exited (code {process.returncode}); see its log.", file=sys.stderr)
            return False
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    from nlu import rasa_env

    logs = settings.data_dir / "log"
    logs.mkdir(parents=True, exist_ok=True)
    processes: list[tuple[str, subprocess.Popen]] = []
    try:
        replicas: list[tuple[str, subprocess.Popen]] = []
        try:
            replicas = rasa_env.start_replicas(settings, log_dir=logs)
            processes += [("Rasa", process) for _, process in replicas]
        except rasa_env.RasaError as exc:
            print(f"NLU not started: {exc}\nThe bot will run with its button menu.",
                  file=sys.stderr)
        with open(logs / "backend.log", "ab") as backend_log:
            backend = subprocess.Popen([sys.executable, "-m", "backend.cli", "backend"],
                                       stdout=backend_log, stderr=subprocess.STDOUT)
        processes.append(("backend", backend))
        if not _wait_for(f"{settings.backend_url}/health", 60, backend, "The backend"):
            print(f"The backend did not start; see {logs / 'backend.log'}", file=sys.stderr)
            return 1
        print(f"Backend:  {settings.backend_url}  (API docs at /docs)")
        if replicas:
            print("NLU:      loading the Rasa model (about 35 s)...", flush=True)
            try:
                for url, process in replicas:
                    rasa_env.wait_until_ready(url, timeout=180, process=process)
                # The bot parses on the servers started here, spread over all replicas.
                settings = settings.model_copy(
                    update={"rasa_url": ",".join(url for url, _ in replicas)})
                print(f"NLU:      {settings.rasa_url}")
            except rasa_env.RasaError as exc:
                print(f"NLU:      unavailable ({exc}); the bot uses its button menu.")
        print(f"Web chat: http://{settings.bot_host}:{settings.bot_port}/chat")
        if settings.telegram_bot_token:
            print("Telegram: polling")
        print(f"Logs in {logs}/")
        from bot.main import run_bot

        _logging(settings, logs / "bot.log")
        asyncio.run(run_bot(settings, terminal=not args.no_chat))
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for name, process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()


# ---- NLU -----------------------------------------------------------------------------------

def cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from nlu import rasa_env

    try:
        if args.nlu_command == "setup":
            print(f"Rasa is ready: {rasa_env.setup(settings)}")
        elif args.nlu_command == "train":
            rasa_env.train(settings, force=args.force)
        elif args.nlu_command == "serve":
            replicas = rasa_env.start_replicas(settings, port=args.port)
            try:
                for url, process in replicas:
                    rasa_env.wait_until_ready(url, timeout=180, process=process)
                urls = ",".join(url for url, _ in replicas)
                print(f"Rasa is serving on {urls} (RASA_URL={urls})", flush=True)
                for _, process in replicas:
                    process.wait()
            except KeyboardInterrupt:
                pass
            finally:
                rasa_env.stop_servers([process for _, process in replicas])
        elif args.nlu_command == "parse":
            url = args.url or settings.rasa_url
            try:
                response = httpx.post(f"{url}/model/parse", json={"text": args.text}, timeout=10)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                print(f"Rasa at {url} is not reachable ({exc}); start it with "
                      "`frontdesk nlu serve`.", file=sys.stderr)
                return 1
            print(json.dumps(response.json(), ensure_ascii=False, indent=2))
        elif args.nlu_command == "eval":
            from nlu.evaluate import main as evaluate

            return evaluate(args.path, args.url or settings.rasa_url, args.json)
    except rasa_env.RasaError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from bot.evaluation import main as evaluate_conversations

    logging.basicConfig(level=logging.WARNING)
    return evaluate_conversations(
        args.path, settings, rasa_url=args.rasa_url or settings.rasa_url,
        backend_url=args.backend_url, as_json=args.json, verbose=args.verbose,
        min_share=args.min_share)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frontdesk", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run everything on the embedded default")
    up.add_argument("--no-chat", action="store_true", help="no terminal chat (Telegram only)")
    up.set_defaults(run=cmd_up)

    commands.add_parser("backend", help="run the backend API").set_defaults(run=cmd_backend)

    bot = commands.add_parser("bot", help="run the bot")
    bot.add_argument("--terminal", action="store_true", help="chat in this terminal")
    bot.set_defaults(run=cmd_bot)

    db = commands.add_parser("db", help="database migrations")
    db.add_argument("db_command", choices=["upgrade"])
    db.set_defaults(run=cmd_db)

    staff = commands.add_parser("staff", help="staff accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    create_admin = staff_commands.add_parser("create-admin", help="add an admin account")
    add = staff_commands.add_parser("add", help="add an account of any role")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    for command in (create_admin, add):
        command.add_argument("username")
        command.add_argument("--display-name", help="shown in the console (default: username)")
        command.add_argument("--password-stdin", action="store_true",
                             help="read the password from the first line of stdin")
    staff.set_defaults(run=cmd_staff)

    keys = commands.add_parser("keys", help="encryption keys of personal data")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("generate", help="print a new key (put it first in "
                                              "FIELD_ENCRYPTION_KEYS)")
    keys_commands.add_parser("status", help="how many stored values are under which key "
                                            "(exit 1 while some are not under the first)")
    rotate = keys_commands.add_parser("rotate", help="re-encrypt under the first key what is not")
    rotate.add_argument("--batch-size", type=int, default=500,
                        help="rows per transaction (default 500)")
    keys.set_defaults(run=cmd_keys)

    nlu = commands.add_parser("nlu", help="the Rasa NLU model")
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True)
    nlu_commands.add_parser("setup", help="create Rasa's Python 3.10 environment")
    train = nlu_commands.add_parser("train", help="train (skipped when nothing changed)")
    train.add_argument("--force", action="store_true", help="train even if nothing changed")
    serve = nlu_commands.add_parser("serve", help="serve the model; waits until it answers")
    serve.add_argument("--port", type=int)
    parse = nlu_commands.add_parser("parse", help="print the parse of one text")
    parse.add_argument("text")
    parse.add_argument("--url", help="Rasa server (default RASA_URL)")
    evaluate = nlu_commands.add_parser("eval", help="evaluate on a TSV file: intent, lang, text")
    evaluate.add_argument("path")
    evaluate.add_argument("--json", action="store_true", help="one JSON object")
    evaluate.add_argument("--url", help="Rasa server (default RASA_URL)")
    nlu.set_defaults(run=cmd_nlu)

    evaluation = commands.add_parser("eval", help="evaluate whole conversations")
    evaluation_commands = evaluation.add_subparsers(dest="eval_command", required=True)
    conversations = evaluation_commands.add_parser(
        "conversations", help="play a YAML file of conversations through the dialogue engine")
    conversations.add_argument("path")
    conversations.add_argument("--json", action="store_true", help="one JSON object")
    conversations.add_argument("--verbose", action="store_true",
                               help="progress, passed conversations and full transcripts")
    conversations.add_argument("--min-share", help="exit 1 below this share (0.85 or 85%%)")
    conversations.add_argument("--rasa-url", help="Rasa server (default RASA_URL)")
    conversations.add_argument("--backend-url", help="a running backend (default: one "
                                                     "started on SQLite in a temporary folder)")
    evaluation.set_defaults(run=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return args.run(settings, args)


if __name__ == "__main__":
    sys.exit(main())
