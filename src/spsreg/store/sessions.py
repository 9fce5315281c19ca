"""Web sessions: a random token in the browser's cookie, its SHA-256 in ``web_sessions``.

The token itself is never stored: someone who reads the database cannot take over a session. The
CSRF token is stored as is (it is worth nothing without the session cookie).

A session ends after :attr:`SessionPolicy.idle` without a request and at the latest
:attr:`SessionPolicy.lifetime` after login, whichever comes first; it also ends at logout, when the
account is disabled, and when its password changes (own change or an administrator's reset). The
defaults follow the OWASP Session Management Cheat Sheet ("common idle timeouts ranges are 2-5
minutes for high-value applications and 15-30 minutes for low risk applications", plus an absolute
timeout for every session;
https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html) and OWASP
ASVS 4.0 V3.3 (session termination: logout, idle and absolute timeouts, ending other sessions
after a password change). Both timeouts are configurable.

``last_seen_at`` is written at most every :attr:`SessionPolicy.touch_every`, so that reading pages
does not write to the database on every request; the idle timeout is therefore honoured to within
that step. Session rows are not in the audit trail (they hold no patient data and change on every
visit); a login is recorded in the access log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from spsreg.store.access_log import record_access
from spsreg.store.errors import StoreError
from spsreg.store.mapping import Row
from spsreg.store.scope import Actor, Role
from spsreg.store.tables import USERS, WEB_SESSIONS
from spsreg.store.transactions import read_transaction

__all__ = [
    "ActiveSession",
    "NewSession",
    "SessionPolicy",
    "WrongPasswordError",
    "end_session",
    "end_sessions_of",
    "resume_session",
    "start_session",
    "token_hash",
]


class WrongPasswordError(StoreError):
    """A password change was refused: the current password is wrong (or the account is locked
    or disabled); the message is safe to show."""


@dataclass(frozen=True)
class SessionPolicy:
    """How long a web session lasts (see the module docstring for the sources)."""

    idle: timedelta = timedelta(minutes=15)
    lifetime: timedelta = timedelta(hours=8)
    touch_every: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.lifetime <= timedelta(0):
            raise ValueError("session timeouts must be positive")
        if self.touch_every < timedelta(0) or self.touch_every >= self.idle:
            raise ValueError("touch_every must be at least zero and shorter than the idle timeout")


@dataclass(frozen=True)
class NewSession:
    """A session just started: ``token`` goes into the cookie once and is not kept anywhere."""

    token: str
    csrf_token: str
    actor: Actor
    expires_at: datetime


@dataclass(frozen=True)
class ActiveSession:
    """A session found valid by :func:`resume_session`; ``actor`` is rebuilt from the account."""

    actor: Actor
    csrf_token: str
    id_hash: str
    created_at: datetime
    expires_at: datetime


def token_hash(token: str) -> str:
    """SHA-256 hex of a token (tokens are random and long, so a fast hash suffices)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(engine: Engine, actor: Actor, now: datetime, policy: SessionPolicy) -> NewSession:
    """A new session for ``actor`` (who has just logged in); the account's expired sessions are
    removed and the login is recorded in the access log."""
    moment = _utc(now)
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    expires_at = moment + policy.lifetime
    with engine.begin() as connection:
        connection.execute(
            delete(WEB_SESSIONS).where(
                WEB_SESSIONS.c.user_name == actor.user,
                or_(
                    WEB_SESSIONS.c.expires_at <= moment,
                    WEB_SESSIONS.c.last_seen_at <= moment - policy.idle,
                ),
            )
        )
        connection.execute(
            insert(WEB_SESSIONS),
            [
                {
                    "id_hash": token_hash(token),
                    "user_name": actor.user,
                    "csrf_token": csrf_token,
                    "created_at": moment,
                    "last_seen_at": moment,
                    "expires_at": expires_at,
                }
            ],
        )
        record_access(connection, actor, [None], "login", "web", moment)
    return NewSession(token, csrf_token, actor, expires_at)


def resume_session(
    engine: Engine, token: str, now: datetime, policy: SessionPolicy
) -> ActiveSession | None:
    """The session of ``token`` if it is still valid, else None (an ended session is removed)."""
    moment = _utc(now)
    id_hash = token_hash(token)
    with read_transaction(engine) as connection:
        row = (
            connection.execute(
                select(
                    WEB_SESSIONS,
                    USERS.c.role,
                    USERS.c.site_id,
                    USERS.c.patient_id,
                    USERS.c.disabled,
                    USERS.c.password_changed_at,
                )
                .select_from(
                    WEB_SESSIONS.outerjoin(USERS, USERS.c.name == WEB_SESSIONS.c.user_name)
                )
                .where(WEB_SESSIONS.c.id_hash == id_hash)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    created_at = _utc(row["created_at"])
    last_seen_at = _utc(row["last_seen_at"])
    expires_at = _utc(row["expires_at"])
    actor = _actor(row)
    ended = (
        actor is None
        or bool(row["disabled"])
        or moment >= expires_at
        or moment - last_seen_at >= policy.idle
        or _utc(row["password_changed_at"]) > created_at
    )
    if ended:
        end_session(engine, token)
        return None
    assert actor is not None
    if moment - last_seen_at >= policy.touch_every:
        with engine.begin() as writer:
            writer.execute(
                update(WEB_SESSIONS)
                .where(WEB_SESSIONS.c.id_hash == id_hash, WEB_SESSIONS.c.last_seen_at < moment)
                .values(last_seen_at=moment)
            )
    return ActiveSession(actor, row["csrf_token"], id_hash, created_at, expires_at)


def end_session(engine: Engine, token: str) -> None:
    """Remove the session of ``token`` (logout); an unknown token changes nothing."""
    with engine.begin() as connection:
        connection.execute(delete(WEB_SESSIONS).where(WEB_SESSIONS.c.id_hash == token_hash(token)))


def end_sessions_of(connection: Connection, user_name: str) -> int:
    """Remove every session of ``user_name`` (inside the caller's transaction); how many."""
    result = connection.execute(delete(WEB_SESSIONS).where(WEB_SESSIONS.c.user_name == user_name))
    return int(result.rowcount)


def _actor(row: Row) -> Actor | None:
    """The account's actor now, or None when the account is gone or no longer valid."""
    if row["role"] is None:
        return None
    try:
        return Actor(
            user=row["user_name"],
            role=Role(row["role"]),
            site_id=row["site_id"],
            patient_id=row["patient_id"],
        )
    except ValueError:
        return None


def _utc(moment: datetime) -> datetime:
    """Aware UTC (SQLite gives back naive datetimes; they were written as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
