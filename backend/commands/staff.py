"""`frontdesk staff create-admin|add NAME`: a staff account, its password asked twice on the
terminal or read from the first line of stdin; its staff number (工号) with `--staff-number`
and its outlet with `--outlet ID` where the parser (backend/cli.py) offers them."""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend.kernel.config import Settings


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
    from backend.kernel.database import make_engine, make_sessionmaker
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
    from backend.staff.enums import Role
    from backend.staff.schemas import (
        PASSWORD_MIN,
        StaffCreate,
        check_staff_number,
        check_username,
    )

    # (--role is one of the roles: argparse's choices.)
    role = Role.admin if args.staff_command == "create-admin" else Role(args.role)
    staff_number = args.staff_number
    outlet_id = args.outlet
    try:
        check_username(args.username)  # before the password is typed
    except ValueError as exc:
        print(f"username: {exc}", file=sys.stderr)
        return 2
    try:
        check_staff_number(staff_number)
    except ValueError as exc:
        print(f"staff number: {exc}", file=sys.stderr)
        return 2
    if outlet_id is not None and outlet_id < 1:
        print("outlet: an outlet's id (1 or more)", file=sys.stderr)
        return 2
    password = _read_password(args)
    if password is None:
        return 2
    if len(password) < PASSWORD_MIN:
        print(f"the password needs at least {PASSWORD_MIN} characters", file=sys.stderr)
        return 2
    try:
        data = StaffCreate(username=args.username, display_name=args.display_name, role=role,
                           password=password, staff_number=staff_number,
                           outlet_id=outlet_id)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            print(f"{field}: {error['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    try:
        asyncio.run(_create_staff(settings, data))
    except (staff_service.UsernameTaken, staff_service.StaffNumberTaken,
            staff_service.NoSuchOutlet) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"staff account {data.username} ({role}) created")
    return 0

