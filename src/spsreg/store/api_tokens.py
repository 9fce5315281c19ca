"""API tokens: long-lived credentials for scripts, scoped to one account's role and site.

A token reads ``spsreg_<id>_<secret>``: ``id`` (16 hex characters) is public and names the token
in listings and revocations; ``secret`` (``secrets.token_urlsafe(32)``, 256 random bits) is shown
once, when the token is made, and only its SHA-256 is stored. A fast hash is enough here, unlike
for passwords: argon2's cost protects guessable secrets chosen by people, but no guessing can
search a 256-bit random space, so a stolen ``secret_hash`` cannot be turned back into the token.
Secrets are compared in constant time (:func:`hmac.compare_digest`).

A token copies its account's role, site and patient when it is made, and it stops working when
it is revoked, when it expires, or when the account is disabled (or no longer matches the token's
role and site). An administrator makes tokens for any account; everyone else for their own.
Making and revoking a token are audited (entity kind ``api_token``: public fields only, never the
secret or its hash). ``last_used_at`` is written at most once a minute and is not audited.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from spsreg.store.audit import AuditAction, canonical_json
from spsreg.store.errors import NotFoundError, ScopeError, StoreError
from spsreg.store.mapping import Row
from spsreg.store.scope import Actor, Role
from spsreg.store.tables import API_TOKENS, USERS
from spsreg.store.transactions import WriteTransaction, read_transaction

__all__ = [
    "API_TOKEN_ENTITY",
    "TOKEN_PREFIX",
    "USE_RECORDED_EVERY",
    "ApiToken",
    "create_token",
    "list_tokens",
    "resolve_token",
    "revoke_token",
]

API_TOKEN_ENTITY = "api_token"
"""Audit entity kind of a token made or revoked."""

TOKEN_PREFIX = "spsreg_"

USE_RECORDED_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written only when older than this."""

_TOKEN = re.compile(r"spsreg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_MAX_LABEL = 200


@dataclass(frozen=True)
class ApiToken:
    """A token as listed: everything except its secret and the secret's hash."""

    id: str
    user_name: str
    role: Role
    site_id: str | None
    patient_id: str | None
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def public_fields(self) -> dict[str, Any]:
        """The token as JSON data (timestamps as ISO 8601 text)."""
        return {
            "id": self.id,
            "user_name": self.user_name,
            "role": self.role.value,
            "site_id": self.site_id,
            "patient_id": self.patient_id,
            "label": self.label,
            "created_at": _iso(self.created_at),
            "expires_at": _iso(self.expires_at),
            "revoked_at": _iso(self.revoked_at),
            "last_used_at": _iso(self.last_used_at),
        }


def create_token(
    tx: WriteTransaction, user_name: str, label: str, now: datetime, expires_at: datetime | None
) -> tuple[str, ApiToken]:
    """Make a token for ``user_name`` (admin: any account; others: their own), audited; returns
    the token text (to show once) and its listing."""
    actor = tx.actor
    if actor.role is not Role.ADMIN and actor.user != user_name:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) can make API tokens only for their own account"
        )
    cleaned = label.strip()
    if not cleaned or len(cleaned) > _MAX_LABEL:
        raise StoreError(f"a token needs a label of 1-{_MAX_LABEL} characters (what it is for)")
    moment = _utc(now)
    if expires_at is not None and _utc(expires_at) <= moment:
        raise StoreError("a token's expiry must lie in the future")
    account = (
        tx.connection.execute(select(USERS).where(USERS.c.name == user_name)).mappings().first()
    )
    if account is None:
        raise NotFoundError(f"no account named {user_name!r}")
    if account["disabled"]:
        raise StoreError(f"account {user_name!r} is disabled: it cannot get an API token")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    values = {
        "id": token_id,
        "secret_hash": _hash(secret),
        "user_name": user_name,
        "role": account["role"],
        "site_id": account["site_id"],
        "patient_id": account["patient_id"],
        "label": cleaned,
        "created_at": moment,
        "expires_at": None if expires_at is None else _utc(expires_at),
        "revoked_at": None,
        "last_used_at": None,
        "row_version": tx.version,
    }
    tx.connection.execute(insert(API_TOKENS), [values])
    created = _token(values)
    tx.audit(
        AuditAction.CREATE,
        entity_kind=API_TOKEN_ENTITY,
        entity_id=token_id,
        patient_id=created.patient_id,
        before=None,
        after=canonical_json(created.public_fields()),
        reason=f"API token made: {cleaned}",
    )
    return f"{TOKEN_PREFIX}{token_id}_{secret}", created


def resolve_token(engine: Engine, token: str, now: datetime) -> Actor | None:
    """The actor a token works as, or None (malformed, unknown, wrong secret, revoked, expired,
    account disabled, missing or changed). Never raises for any text."""
    match = _TOKEN.fullmatch(token) if isinstance(token, str) and len(token) < 100 else None
    if match is None:
        return None
    token_id, secret = match.groups()
    moment = _utc(now)
    with read_transaction(engine) as connection:
        row = (
            connection.execute(
                select(
                    API_TOKENS,
                    USERS.c.role.label("account_role"),
                    USERS.c.site_id.label("account_site_id"),
                    USERS.c.patient_id.label("account_patient_id"),
                    USERS.c.disabled,
                )
                .select_from(API_TOKENS.outerjoin(USERS, USERS.c.name == API_TOKENS.c.user_name))
                .where(API_TOKENS.c.id == token_id)
            )
            .mappings()
            .first()
        )
    if row is None or not hmac.compare_digest(_hash(secret), row["secret_hash"]):
        return None
    usable = (
        row["revoked_at"] is None
        and (row["expires_at"] is None or moment < _utc(row["expires_at"]))
        and row["account_role"] is not None
        and not row["disabled"]
        and (row["account_role"], row["account_site_id"], row["account_patient_id"])
        == (row["role"], row["site_id"], row["patient_id"])
    )
    if not usable:
        return None
    try:
        actor = Actor(row["user_name"], Role(row["role"]), row["site_id"], row["patient_id"])
    except ValueError:
        return None
    last_used = row["last_used_at"]
    if last_used is None or moment - _utc(last_used) >= USE_RECORDED_EVERY:
        with engine.begin() as writer:
            writer.execute(
                update(API_TOKENS).where(API_TOKENS.c.id == token_id).values(last_used_at=moment)
            )
    return actor


def list_tokens(connection: Connection, actor: Actor, user_name: str | None) -> list[ApiToken]:
    """Tokens by account and creation: an administrator's of every account (or ``user_name``),
    anyone else's of their own account only."""
    if actor.role is not Role.ADMIN:
        if user_name is not None and user_name != actor.user:
            raise ScopeError(f"{actor.user} ({actor.role.value}) can list only their own tokens")
        user_name = actor.user
    query = select(*_PUBLIC_COLUMNS)
    if user_name is not None:
        query = query.where(API_TOKENS.c.user_name == user_name)
    rows = connection.execute(
        query.order_by(API_TOKENS.c.user_name, API_TOKENS.c.created_at, API_TOKENS.c.id)
    ).mappings()
    return [_token(row) for row in rows]


def revoke_token(tx: WriteTransaction, token_id: str, now: datetime) -> ApiToken:
    """Revoke a token (admin: any; others: their own), audited; a revoked token is returned as
    it is. :class:`NotFoundError` for an unknown token or another account's."""
    actor = tx.actor
    row = (
        tx.connection.execute(select(*_PUBLIC_COLUMNS).where(API_TOKENS.c.id == token_id))
        .mappings()
        .first()
    )
    if row is None or (actor.role is not Role.ADMIN and row["user_name"] != actor.user):
        raise NotFoundError(f"no API token {token_id!r}")
    before = _token(row)
    if before.revoked_at is not None:
        return before
    moment = _utc(now)
    tx.connection.execute(
        update(API_TOKENS)
        .where(API_TOKENS.c.id == token_id)
        .values(revoked_at=moment, row_version=tx.version)
    )
    revoked = _token({**dict(row), "revoked_at": moment})
    tx.audit(
        AuditAction.UPDATE,
        entity_kind=API_TOKEN_ENTITY,
        entity_id=token_id,
        patient_id=revoked.patient_id,
        before=canonical_json(before.public_fields()),
        after=canonical_json(revoked.public_fields()),
        reason=f"API token revoked: {before.label}",
    )
    return revoked


_PUBLIC_COLUMNS = [column for column in API_TOKENS.c if column.name != "secret_hash"]


def _token(row: Row) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_name=row["user_name"],
        role=Role(row["role"]),
        site_id=row["site_id"],
        patient_id=row["patient_id"],
        label=row["label"],
        created_at=_utc(row["created_at"]),
        expires_at=_optional_utc(row["expires_at"]),
        revoked_at=_optional_utc(row["revoked_at"]),
        last_used_at=_optional_utc(row["last_used_at"]),
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _optional_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
