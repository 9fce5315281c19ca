"""argon2id password hashing: OWASP's floor in every hash, verification and rehashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from spsreg.store.passwords import (
    MEMORY_COST_KIB,
    PARALLELISM,
    TIME_COST,
    PasswordPolicyError,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)

PASSWORD = "correct horse battery"


def test_the_floor_is_owasps_minimum() -> None:
    assert (MEMORY_COST_KIB, TIME_COST, PARALLELISM) == (19 * 1024, 2, 1)


def test_a_hash_is_an_argon2id_phc_string_meeting_the_floor() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    parameters = extract_parameters(stored)
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19456
    assert parameters.time_cost >= 2
    assert parameters.parallelism >= 1
    assert PASSWORD not in stored


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_verify_accepts_the_password_and_refuses_others() -> None:
    stored = hash_password(PASSWORD)
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + " ")
    assert not verify_password(stored, "x" * 2000)
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)


def test_hashes_below_the_policy_need_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    weak_hash = weak.hash(PASSWORD)
    assert needs_rehash(weak_hash)
    assert verify_password(weak_hash, PASSWORD)
    argon2i = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.I)
    assert needs_rehash(argon2i.hash(PASSWORD))
    assert not verify_password(argon2i.hash(PASSWORD), PASSWORD)
    assert needs_rehash("garbage")
    assert not needs_rehash(hash_password(PASSWORD))


def test_stronger_hashes_are_kept() -> None:
    strong = PasswordHasher(time_cost=3, memory_cost=32768, parallelism=2, type=Type.ID)
    assert not needs_rehash(strong.hash(PASSWORD))


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "whitespace"),
        (" " * 20, "whitespace"),
        ("\t\n" * 8, "whitespace"),
        ("elevenchars", "at least 12"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_the_policy_refuses_short_long_and_blank_passwords(password: str, problem: str) -> None:
    with pytest.raises(PasswordPolicyError, match=problem):
        check_password_policy(password)
    with pytest.raises(PasswordPolicyError):
        hash_password(password)


def test_the_policy_accepts_twelve_and_1024_characters() -> None:
    check_password_policy("twelve chars")
    check_password_policy("y" * 1024)
