"""A phone number's canonical form and its keyed hash (backend/customers/phones.py): every way
the same number is written comes out as one string; the hash needs the key."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet

from backend.customers import phones
from backend.kernel import crypto
from tests.backend.conftest import ENCRYPTION_KEY

SAME_NUMBERS = {
    "8613800138000": ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
                      "+8613800138000", "0086 13800138000", "8613800138000",
                      "（+86）138.0013.8000", "１３８００１３８０００", "＋８６ １３８ ００１３ ８０００"],
    "861012345678": ["010-12345678", "(010) 1234 5678", "+86 10 1234 5678",
                     "+86 (0)10 12345678", "0086 10 12345678"],
    "867551234567": ["0755-1234567", "+86 755 1234567"],
    "85291234567": ["9123 4567", "91234567", "+852 9123 4567", "00852 9123-4567",
                    "85291234567"],
    "886912345678": ["0912 345 678", "0912-345-678", "+886 912 345 678", "+886 0912345678",
                     "00886 912345678"],
    "886223456789": ["02 2345 6789", "(02)2345-6789", "+886 2 2345 6789"],
    "18475550142": ["+1 (847) 555-0142", "001 847 555 0142"],
}


@pytest.mark.parametrize(("canonical", "written"), [
    (canonical, written) for canonical, ways in SAME_NUMBERS.items() for written in ways])
def test_every_way_of_writing_a_number_gives_one_canonical_form(canonical, written) -> None:
    assert phones.normalise(written) == canonical


@pytest.mark.parametrize("not_a_number", [None, "", "1234", "abc", "+", "1" * 21, "电话"])
def test_what_is_no_phone_number_has_no_form_and_no_hash(not_a_number) -> None:
    assert phones.normalise(not_a_number) is None
    assert phones.hashes(not_a_number) == []
    assert phones.current_hash(not_a_number) is None


def test_the_hash_is_keyed_and_follows_the_first_key() -> None:
    crypto.configure(ENCRYPTION_KEY)
    mine = phones.current_hash("13800138000")
    assert mine is not None and len(mine) == 64 and "13800138000" not in mine
    assert mine == phones.current_hash("+86 138 0013 8000")
    # Not a plain digest: a dictionary of numbers hashed without the key finds nothing.
    assert mine != hashlib.sha256(b"8613800138000").hexdigest()
    assert mine != hashlib.sha256(b"13800138000").hexdigest()

    new_key = Fernet.generate_key().decode()
    crypto.configure(f"{new_key},{ENCRYPTION_KEY}")
    try:
        rotated = phones.hashes("13800138000")
        assert rotated[1] == mine and rotated[0] != mine  # written under the new, found by both
        assert phones.current_hash("13800138000") == rotated[0]
    finally:
        crypto.configure(ENCRYPTION_KEY)


def test_the_derived_key_is_not_the_field_key_and_differs_by_purpose() -> None:
    crypto.configure(ENCRYPTION_KEY)
    [lookup] = crypto.derive(phones.PURPOSE)
    [other] = crypto.derive(b"another purpose")
    assert len(lookup) == 32 and lookup != other
    assert lookup not in Fernet(ENCRYPTION_KEY.encode())._signing_key + \
        Fernet(ENCRYPTION_KEY.encode())._encryption_key
