"""Passwords (argon2id) and sign-in secrets (random tokens, stored as SHA-256).

Hashing and verifying take a good part of a second of CPU and 64 MiB on purpose (argon2-cffi's
defaults, RFC 9106's low-memory profile): callers in the event loop run them in a thread.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_BYTES = 32


class PasswordHashing:
    """A password hasher and a hash of a dummy password made with it: signing in as an unknown
    account verifies against the dummy, so it takes as long as a wrong password would."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)

    def burn(self, password: str) -> None:
        """Spend the time of one verification, for an account that does not exist."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self.verify(self._dummy_hash, password)


# The one instance the service uses (tests swap in a cheaper one).
hashing = PasswordHashing()


def new_token() -> str:
    """A random secret for a bearer token, a session cookie or a CSRF token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (a random 256-bit token needs no slow hash)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
