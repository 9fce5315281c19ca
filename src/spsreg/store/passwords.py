"""Password policy and argon2id hashing of account passwords.

Hashes are argon2id PHC strings (``$argon2id$v=19$m=19456,t=2,p=1$salt$hash``): the parameters
travel with each hash, so a stored hash made under an older, weaker policy is recognised at the
next successful login and replaced (:func:`needs_rehash`).

The floor is OWASP's minimum for argon2id: "Use Argon2id with a minimum configuration of 19 MiB of
memory, an iteration count of 2, and 1 degree of parallelism" (OWASP Password Storage Cheat Sheet,
https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html). 19 MiB is
19 * 1024 = 19456 KiB; argon2 counts memory in KiB.

Policy (issue 7): at least 12 characters, at most 1024 (an upper bound keeps a single login from
costing unbounded work), and not whitespace only. No composition rules, following the same cheat
sheet's advice on length over complexity.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from spsreg.store.errors import StoreError

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MEMORY_COST_KIB",
    "MIN_PASSWORD_LENGTH",
    "PARALLELISM",
    "TIME_COST",
    "PasswordPolicyError",
    "check_password_policy",
    "hash_password",
    "needs_rehash",
    "verify_password",
]

MEMORY_COST_KIB = 19456
"""OWASP's argon2id memory floor: 19 MiB, in KiB."""

TIME_COST = 2
"""OWASP's argon2id iteration floor."""

PARALLELISM = 1
"""OWASP's argon2id degree of parallelism."""

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

_HASHER = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)

_DUMMY_HASH = _HASHER.hash("spsreg: no such account, constant-time decoy")
"""Verified against when an account does not exist, so that the answer takes as long as for a
wrong password and timing does not reveal which accounts exist."""


class PasswordPolicyError(StoreError, ValueError):
    """A new password does not meet the policy; the message says what to change."""


def check_password_policy(password: str) -> None:
    """Raise :class:`PasswordPolicyError` unless ``password`` may be set as a new password."""
    if not password.strip():
        raise PasswordPolicyError("a password cannot be empty or whitespace only")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters (a short phrase works)"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password`` (policy checked first)."""
    check_password_policy(password)
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; ``None`` (no account) verifies against a decoy
    and is always false. A malformed or non-argon2id hash never matches."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    target = _DUMMY_HASH if stored_hash is None else stored_hash
    if not target.startswith("$argon2id$"):
        return False
    try:
        matched = _HASHER.verify(target, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with parameters below the current policy (or another type)."""
    try:
        parameters = extract_parameters(stored_hash)
    except InvalidHashError:
        return True
    return (
        parameters.type is not Type.ID
        or parameters.memory_cost < MEMORY_COST_KIB
        or parameters.time_cost < TIME_COST
        or parameters.parallelism < PARALLELISM
    )
