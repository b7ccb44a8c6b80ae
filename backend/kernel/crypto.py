"""Personal data at rest: a column type that stores Fernet ciphertext.

The keys come from `settings.field_encryption_keys` (comma separated). The first key encrypts,
every key decrypts, so a new key is rotated in by putting it first and keeping the old ones
until the data is re-encrypted (`frontdesk keys rotate`, or the backend's rotation worker:
backend/privacy/rotation.py); then the old keys can go. `configure(keys)` is called by
`create_app`; code that uses the models without an app (migrations, scripts) gets the keys of
`get_settings()`.

Three column types: `EncryptedString` (a text), `EncryptedJSON` (a dict or list, encrypted as
its JSON text; an EncryptedString) and `EncryptedBytes` (bytes: a customer's photo). All store
ciphertext in a TEXT column; rotation finds every column of any of them (`ENCRYPTED_TYPES`).
"""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from backend.kernel.config import get_settings

_fernet: MultiFernet | None = None
# Each key alone (the first: is a stored value already under it?).
_keys: list[Fernet] = []
# Each key's bytes, in the same order: what `derive` derives from.
_raw: list[bytes] = []


class EncryptionKeyError(ValueError):
    """The configured keys are missing or not Fernet keys."""


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key (the value is not shown)."""


def _fernets(keys: str) -> list[Fernet]:
    parts = [key.strip() for key in keys.split(",") if key.strip()]
    if not parts:
        raise EncryptionKeyError("FIELD_ENCRYPTION_KEYS is empty")
    try:
        return [Fernet(key) for key in parts]
    except (ValueError, TypeError) as exc:
        raise EncryptionKeyError(
            "FIELD_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes)"
        ) from exc


def make_fernet(keys: str) -> MultiFernet:
    return MultiFernet(_fernets(keys))


def configure(keys: str) -> None:
    """Use these keys from now on (process-wide: one process serves one key set)."""
    global _fernet, _keys, _raw
    _keys = _fernets(keys)
    _raw = [base64.urlsafe_b64decode(key.strip()) for key in keys.split(",") if key.strip()]
    _fernet = MultiFernet(_keys)


def key_count() -> int:
    _current()
    return len(_keys)


def _current() -> MultiFernet:
    if _fernet is None:
        configure(get_settings().field_encryption_keys)
    assert _fernet is not None
    return _fernet


def derive(purpose: bytes) -> list[bytes]:
    """A 32-byte key for `purpose` (a keyed hash that finds a value without storing it) from
    each configured key, the first from the first: HKDF-SHA256 with the purpose as its info,
    so a derived key tells nothing of the Fernet key and each purpose gets its own. They
    rotate with the field keys: what is keyed with the first must be keyed again when a new
    key is put first (backend/privacy/rotation.py)."""
    _current()
    return [HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(raw)
            for raw in _raw]


def encrypt(value: str) -> str:
    return _current().encrypt(value.encode("utf-8")).decode("ascii")


# A stored value that is no Fernet token of ours: a wrong key, or not ciphertext at all (text
# written in clear, which may not even be ASCII).
_NOT_OURS = (InvalidToken, UnicodeEncodeError)


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except _NOT_OURS:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def encrypt_bytes(value: bytes) -> str:
    return _current().encrypt(value).decode("ascii")


def decrypt_bytes(token: str) -> bytes:
    """The bytes of any stored value, whatever it holds (a text's are its UTF-8)."""
    try:
        return _current().decrypt(token.encode("ascii"))
    except _NOT_OURS:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def is_under_primary(token: str) -> bool:
    """Whether a stored value is encrypted with the first (current) key."""
    _current()
    try:
        _keys[0].decrypt(token.encode("ascii"))
    except _NOT_OURS:
        return False
    return True


def reencrypt(token: str) -> str:
    """The same value encrypted with the first key (DecryptionError: no key reads it)."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except _NOT_OURS:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


class EncryptedString(TypeDecorator):
    """A string column whose database value is Fernet ciphertext (non-deterministic: it cannot be
    searched or compared in SQL)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        return None if value is None else decrypt(value)


class EncryptedJSON(EncryptedString):
    """A JSON value (dict, list) whose database value is Fernet ciphertext of its JSON text.
    Like EncryptedString it cannot be searched in SQL; unlike sqlalchemy.JSON, in-place changes
    of the dict are not noticed: assign a new one."""

    cache_ok = True
    hashable = False  # dicts and lists

    def process_bind_param(self, value: object, dialect) -> str | None:
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    # A dict or list where EncryptedString gives a str: the subclass is for key rotation's
    # sake (it finds both types as EncryptedString), not a substitute for it.
    def process_result_value(self, value: str | None, dialect) -> object:  # type: ignore[override]
        return None if value is None else json.loads(decrypt(value))


class EncryptedBytes(TypeDecorator):
    """Bytes (a photo of an invoice: names, addresses) whose database value is Fernet
    ciphertext, a third longer than the bytes (base64). Fernet holds the whole value in memory:
    for values of a few megabytes at most. Load such a column only when it is wanted
    (`deferred`); key rotation reads `rotation_batch` rows of it at a time."""

    impl = Text
    cache_ok = True
    rotation_batch = 4

    def process_bind_param(self, value: bytes | None, dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, bytes):
            raise TypeError("EncryptedBytes stores bytes")
        return encrypt_bytes(value)

    def process_result_value(self, value: str | None, dialect) -> bytes | None:
        return None if value is None else decrypt_bytes(value)


# Every column type whose database value is our ciphertext (key rotation re-encrypts them all).
ENCRYPTED_TYPES = (EncryptedString, EncryptedBytes)
