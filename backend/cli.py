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

This module is the parser and the dispatch, with the small commands; the bodies of the
bigger ones are in backend/commands/ (one module each).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from backend.commands.keys import cmd_keys
from backend.commands.logs import setup_logging
from backend.commands.nlu import cmd_nlu
from backend.commands.staff import cmd_staff
from backend.commands.up import cmd_up
from backend.kernel.config import Settings, get_settings
from backend.staff.enums import Role

# ---- backend and bot -----------------------------------------------------------------------

def cmd_backend(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from backend.app import create_app
    from backend.migrate import upgrade

    setup_logging(settings)
    upgrade(settings.database_url)
    uvicorn.run(create_app(settings), host=settings.backend_host, port=settings.backend_port,
                log_level=settings.log_level.lower(), access_log=False,
                # Behind the edge: the client's address from X-Forwarded-For, believed only
                # from FORWARDED_ALLOW_IPS (docs/security.md).
                proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips)
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from backend.migrate import upgrade

    setup_logging(settings)
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
    setup_logging(settings, settings.data_dir / "log" / "bot.log" if args.terminal else None)
    asyncio.run(run_bot(settings, terminal=args.terminal))
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from bot.evaluation import main as evaluate_conversations

    logging.basicConfig(level=logging.WARNING)
    return evaluate_conversations(
        args.path, settings, rasa_url=args.rasa_url or settings.rasa_url,
        backend_url=args.backend_url, as_json=args.json, verbose=args.verbose,
        min_share=args.min_share)


# ---- the command line ----------------------------------------------------------------------

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
        command.add_argument("--staff-number",
                             help="shown to customers with the visit (一证件), e.g. T-0012")
        command.add_argument("--outlet", type=int, metavar="ID",
                             help="the id of the outlet they work at (a dispatcher gets its "
                                  "low-stock alerts)")
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
