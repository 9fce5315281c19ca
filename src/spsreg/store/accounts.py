"""User accounts: who may log in, with which role and site, and the lockout after failed logins.

An account is the stored form of an :class:`~spsreg.store.scope.Actor`: its role and site follow
the same rules (clinicians, coordinators, researchers and patients work at a site; a patient
account also names the patient's own record). Only an administrator manages accounts.

Every change is one audited write (entity kind ``user``). The audit entry never holds the
password or its hash: account changes record the account's public fields, a password change
records only when it happened, a failed login only when it failed.

Lockout: at most :data:`MAX_FAILED_LOGINS` failed logins per account in any
:data:`LOCKOUT_WINDOW` (a sliding hour). Once the limit is reached, logins are refused as
``locked`` without checking the password, and those refused attempts are not recorded, so the
account opens again one hour after the failures that locked it. A successful login does not
clear the failures already recorded: otherwise an attacker who also knows an old or shared
password could interleave it to keep guessing beyond the limit. An administrator's password
reset does clear them (the account has a new password from a trusted hand).

Password hashes are checked and made outside the write lock (argon2id takes tens of
milliseconds, and every writer of the registry shares one lock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from spsreg.store.audit import AuditAction, canonical_json
from spsreg.store.errors import ConflictError, NotFoundError, ScopeError, StoreError
from spsreg.store.mapping import Row
from spsreg.store.passwords import hash_password, needs_rehash, verify_password
from spsreg.store.scope import Actor, Role
from spsreg.store.tables import LOGIN_FAILURES, PATIENTS, SITES, USERS
from spsreg.store.transactions import (
    Clock,
    WriteTransaction,
    read_transaction,
    write_transaction,
)

__all__ = [
    "ACCOUNT_ROLES",
    "LOCKOUT_WINDOW",
    "MAX_FAILED_LOGINS",
    "USER_ENTITY",
    "Account",
    "LoginRefusal",
    "RefusalReason",
    "account_actor",
    "add_account",
    "disable_account",
    "failures_since",
    "list_accounts",
    "load_login_row",
    "record_failed_login",
    "replace_own_password",
    "replace_password",
    "require_admin",
    "store_rehash",
    "verify_login",
]

USER_ENTITY = "user"
"""Audit entity kind of an account change."""

MAX_FAILED_LOGINS = 100
"""Failed logins per account within :data:`LOCKOUT_WINDOW` after which logins are refused."""

LOCKOUT_WINDOW = timedelta(hours=1)

ACCOUNT_ROLES = frozenset(
    {Role.ADMIN, Role.CLINICIAN, Role.COORDINATOR, Role.RESEARCHER, Role.PATIENT}
)
"""Roles a person's account may have (``system`` is for the software itself, never a login)."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class RefusalReason(StrEnum):
    WRONG_CREDENTIALS = "wrong_credentials"  # unknown account or wrong password (not told apart)
    DISABLED = "disabled"
    LOCKED = "locked"


_REFUSAL_MESSAGES = {
    RefusalReason.WRONG_CREDENTIALS: "wrong user name or password",
    RefusalReason.DISABLED: "this account is disabled: ask an administrator",
    RefusalReason.LOCKED: (
        f"too many failed logins ({MAX_FAILED_LOGINS} within an hour): try again later"
    ),
}


@dataclass(frozen=True)
class LoginRefusal:
    """Why a login was refused; ``message`` is safe to show to the person logging in."""

    reason: RefusalReason

    @property
    def message(self) -> str:
        return _REFUSAL_MESSAGES[self.reason]


@dataclass(frozen=True)
class Account:
    """An account as listed: everything except the password hash."""

    name: str
    role: Role
    site_id: str | None
    patient_id: str | None
    disabled: bool
    created_at: datetime
    updated_at: datetime
    password_changed_at: datetime
    version: int

    def public_fields(self) -> dict[str, Any]:
        """The fields an audit entry may show (no timestamps: the entry has its own)."""
        return {
            "name": self.name,
            "role": self.role.value,
            "site_id": self.site_id,
            "patient_id": self.patient_id,
            "disabled": self.disabled,
        }


def require_admin(actor: Actor) -> None:
    """Raise :class:`ScopeError` unless ``actor`` is an administrator (before any read)."""
    if actor.role is not Role.ADMIN:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot manage accounts: only an administrator can"
        )


def account_actor(
    name: str, role: Role | str, site_id: str | None, patient_id: str | None
) -> Actor:
    """The actor an account logs in as; :class:`StoreError` when the combination is not allowed."""
    if not _NAME.fullmatch(name):
        raise StoreError(
            f"account name {name!r} is not allowed: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    try:
        wanted = Role(role)
    except ValueError as error:
        raise StoreError(f"unknown role {role!r}") from error
    if wanted not in ACCOUNT_ROLES:
        raise StoreError(f"the {wanted.value} role is not for accounts")
    try:
        return Actor(user=name, role=wanted, site_id=site_id, patient_id=patient_id)
    except ValueError as error:
        raise StoreError(str(error)) from error


def add_account(tx: WriteTransaction, account: Actor, password_hash: str, reason: str) -> Account:
    """Insert the account ``account`` (made by :func:`account_actor`) with its hashed password."""
    require_admin(tx.actor)
    connection = tx.connection
    if _load_row(connection, account.user) is not None:
        raise ConflictError(f"an account named {account.user!r} already exists")
    _require_place(connection, account)
    moment = _now(tx)
    values = {
        "name": account.user,
        "role": account.role.value,
        "site_id": account.site_id,
        "patient_id": account.patient_id,
        "password_hash": password_hash,
        "disabled": False,
        "created_at": moment,
        "updated_at": moment,
        "password_changed_at": moment,
        "row_version": tx.version,
    }
    connection.execute(insert(USERS), [values])
    created = _account(values)
    tx.audit(
        AuditAction.CREATE,
        entity_kind=USER_ENTITY,
        entity_id=account.user,
        patient_id=account.patient_id,
        before=None,
        after=canonical_json(created.public_fields()),
        reason=reason,
    )
    return created


def list_accounts(connection: Connection) -> list[Account]:
    """Every account, ordered by name (no password hashes)."""
    columns = [column for column in USERS.c if column.name != "password_hash"]
    rows = connection.execute(select(*columns).order_by(USERS.c.name)).mappings()
    return [_account(row) for row in rows]


def disable_account(tx: WriteTransaction, name: str, reason: str) -> Account:
    """Disable ``name``; an account already disabled is returned unchanged (nothing written)."""
    require_admin(tx.actor)
    before = _require_row(tx.connection, name)
    if before["disabled"]:
        return _account(before)
    return _update(tx, before, {"disabled": True}, reason, after={"disabled": True})


def replace_password(tx: WriteTransaction, name: str, password_hash: str, reason: str) -> Account:
    """An administrator's reset: a new password hash for ``name``; its failed logins are cleared."""
    require_admin(tx.actor)
    row = _require_row(tx.connection, name)
    tx.connection.execute(delete(LOGIN_FAILURES).where(LOGIN_FAILURES.c.user_name == name))
    return _new_hash(tx, row, password_hash, reason)


def replace_own_password(tx: WriteTransaction, password_hash: str, reason: str) -> Account:
    """The account of ``tx.actor`` changes its own password (verified by the caller)."""
    return _new_hash(tx, _require_row(tx.connection, tx.actor.user), password_hash, reason)


def store_rehash(tx: WriteTransaction, row: Row, password_hash: str) -> Account:
    """At a successful login of the account ``row`` (``tx`` acting as it): replace a hash made
    below the current policy. :class:`ConflictError` when the account changed since ``row``."""
    if tx.actor.user != row["name"]:
        raise ScopeError("only the account's own login replaces its password hash")
    return _new_hash(tx, row, password_hash, "password hash upgraded to the current policy")


def _new_hash(tx: WriteTransaction, row: Row, password_hash: str, reason: str) -> Account:
    moment = _now(tx)
    return _update(
        tx,
        row,
        {"password_hash": password_hash, "password_changed_at": moment},
        reason,
        after={"password_changed_at": moment.isoformat()},
    )


def load_login_row(connection: Connection, name: str) -> Row | None:
    """The stored row of ``name`` (hash included, for verification only), or None."""
    return _load_row(connection, name)


def failures_since(connection: Connection, name: str, since: datetime) -> int:
    """Failed logins recorded for ``name`` at or after ``since``."""
    count = connection.execute(
        select(func.count())
        .select_from(LOGIN_FAILURES)
        .where(LOGIN_FAILURES.c.user_name == name, LOGIN_FAILURES.c.failed_at >= _utc(since))
    ).scalar_one()
    return int(count)


def record_failed_login(tx: WriteTransaction, name: str, at: datetime) -> None:
    """Record one failed login of ``name`` at ``at``; failures older than the window are removed."""
    moment = _utc(at)
    tx.connection.execute(
        delete(LOGIN_FAILURES).where(
            LOGIN_FAILURES.c.user_name == name,
            LOGIN_FAILURES.c.failed_at < moment - LOCKOUT_WINDOW,
        )
    )
    tx.connection.execute(insert(LOGIN_FAILURES), [{"user_name": name, "failed_at": moment}])
    tx.audit(
        AuditAction.UPDATE,
        entity_kind=USER_ENTITY,
        entity_id=name,
        patient_id=None,
        before=None,
        after=canonical_json({"failed_login_at": moment.isoformat()}),
        reason="failed login",
    )


LOGIN_ACTOR = Actor("spsreg-login", Role.SYSTEM)
"""Who records a failed login in the audit trail: nobody has been authenticated."""


def verify_login(
    engine: Engine, name: str, password: str, now: datetime, clock: Clock
) -> Actor | LoginRefusal:
    """The actor ``name`` works as if ``password`` is right and the account is usable, else why not.

    Order: a locked account is refused before its password is checked (and the attempt is not
    recorded); a wrong password is recorded as a failure; a disabled account is refused only after
    the right password, so a guess learns nothing from it. A hash below the current policy is
    replaced after a successful login.
    """
    with read_transaction(engine) as connection:
        row = load_login_row(connection, name)
        failures = 0 if row is None else failures_since(connection, name, now - LOCKOUT_WINDOW)
    if row is not None and failures >= MAX_FAILED_LOGINS:
        return LoginRefusal(RefusalReason.LOCKED)
    if not verify_password(None if row is None else row["password_hash"], password):
        if row is not None:
            with write_transaction(engine, LOGIN_ACTOR, clock) as tx:
                record_failed_login(tx, name, now)
        return LoginRefusal(RefusalReason.WRONG_CREDENTIALS)
    assert row is not None  # verify_password is never true without a stored hash
    if row["disabled"]:
        return LoginRefusal(RefusalReason.DISABLED)
    actor = Actor(
        user=row["name"],
        role=Role(row["role"]),
        site_id=row["site_id"],
        patient_id=row["patient_id"],
    )
    if needs_rehash(row["password_hash"]):
        upgraded = hash_password(password)
        try:
            with write_transaction(engine, actor, clock) as tx:
                store_rehash(tx, row, upgraded)
        except ConflictError:
            pass  # changed meanwhile (reset, disabled): the next login sees the new state
    return actor


def _update(
    tx: WriteTransaction, row: Row, values: dict[str, Any], reason: str, *, after: dict[str, Any]
) -> Account:
    moment = _now(tx)
    changes = {**values, "updated_at": moment, "row_version": tx.version}
    result = tx.connection.execute(
        update(USERS)
        .where(USERS.c.name == row["name"], USERS.c.row_version == row["row_version"])
        .values(changes)
    )
    if result.rowcount != 1:
        raise ConflictError(f"account {row['name']!r} changed meanwhile: try again")
    updated = _account({**dict(row), **changes})
    tx.audit(
        AuditAction.UPDATE,
        entity_kind=USER_ENTITY,
        entity_id=str(row["name"]),
        patient_id=updated.patient_id,
        before=canonical_json(_account(row).public_fields()),
        after=canonical_json({**updated.public_fields(), **after}),
        reason=reason,
    )
    return updated


def _require_place(connection: Connection, account: Actor) -> None:
    """The account's site must be registered, and a patient's record must be at that site."""
    if account.site_id is not None:
        site = connection.execute(select(SITES.c.id).where(SITES.c.id == account.site_id)).first()
        if site is None:
            raise NotFoundError(f"no site {account.site_id} is registered")
    if account.patient_id is not None:
        patient = connection.execute(
            select(PATIENTS.c.id).where(
                PATIENTS.c.id == account.patient_id, PATIENTS.c.site_id == account.site_id
            )
        ).first()
        if patient is None:
            raise NotFoundError(f"no patient {account.patient_id} at site {account.site_id}")


def _load_row(connection: Connection, name: str) -> Row | None:
    return connection.execute(select(USERS).where(USERS.c.name == name)).mappings().first()


def _require_row(connection: Connection, name: str) -> Row:
    row = _load_row(connection, name)
    if row is None:
        raise NotFoundError(f"no account named {name!r}")
    return row


def _account(row: Row | dict[str, Any]) -> Account:
    return Account(
        name=row["name"],
        role=Role(row["role"]),
        site_id=row["site_id"],
        patient_id=row["patient_id"],
        disabled=bool(row["disabled"]),
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
        password_changed_at=_utc(row["password_changed_at"]),
        version=int(row["row_version"]),
    )


def _now(tx: WriteTransaction) -> datetime:
    return datetime.fromisoformat(tx.recorded_at)


def _utc(moment: datetime) -> datetime:
    """Aware UTC (SQLite gives back naive datetimes; they were written as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
