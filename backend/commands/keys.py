"""`frontdesk keys generate|status|rotate`: the encryption keys of personal data (a new key,
which key the stored values are under, re-encryption under the first)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend.kernel.config import Settings


async def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from backend.kernel import crypto
    from backend.kernel.database import make_engine, make_sessionmaker
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
    from backend.kernel import crypto

    if args.keys_command == "generate":
        from cryptography.fernet import Fernet

        print(Fernet.generate_key().decode())
        return 0
    try:
        return asyncio.run(_keys(settings, args))
    except crypto.EncryptionKeyError as exc:
        print(str(exc), file=sys.stderr)
        return 2

