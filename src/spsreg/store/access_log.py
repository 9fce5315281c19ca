"""The access log: who read which patient's identifiable data, when, and through which channel.

Writes of identifiers are already in the hash-chained audit trail (:mod:`spsreg.store.audit`);
this log records the reads. Every read of the store that returns identifiers (a whole record with
its identifiers, the identifiers on their own, a patient search matched against names or hospital
numbers) adds one row per patient, in :class:`~spsreg.store.registry.Registry`, so no caller can
forget it. A web login is recorded too (``what="login"``, no patient).

The log is append-only but, unlike the audit trail, not hash-chained: reads are frequent, and
chaining would make every read take the audit write lock that serialises all writers. Rows are
written in their own short transaction after the read (on SQLite a reader never holds the write
lock; on PostgreSQL it is a plain insert, without the audit's advisory lock).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select

from spsreg.store.errors import ScopeError
from spsreg.store.scope import Actor, Role
from spsreg.store.tables import ACCESS_LOG

__all__ = [
    "CHANNELS",
    "AccessEntry",
    "load_access_trail",
    "record_access",
    "record_access_now",
    "require_channel",
    "require_may_read_trail",
]

CHANNELS = frozenset({"web", "api", "cli", "store"})
"""Where a read came from: the web pages, the HTTP API, the command line, or the store directly."""


@dataclass(frozen=True)
class AccessEntry:
    """One read of one patient's identifiable data (``patient_id`` is None for a login)."""

    recorded_at: datetime
    actor_user: str
    actor_role: str
    actor_site_id: str | None
    patient_id: str | None
    what: str
    channel: str


def require_channel(channel: str) -> str:
    """``channel`` if known; :class:`ValueError` otherwise (a programming error, not a user's)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown access channel {channel!r}: use one of {sorted(CHANNELS)}")
    return channel


def record_access(
    connection: Connection,
    actor: Actor,
    patient_ids: Iterable[str | None],
    what: str,
    channel: str,
    at: datetime,
) -> None:
    """Insert one row per patient id (one batch insert; nothing when there is none)."""
    require_channel(channel)
    moment = at.astimezone(UTC)
    rows = [
        {
            "recorded_at": moment,
            "actor_user": actor.user,
            "actor_role": actor.role.value,
            "actor_site_id": actor.site_id,
            "patient_id": patient_id,
            "what": what,
            "channel": channel,
        }
        for patient_id in patient_ids
    ]
    if rows:
        connection.execute(insert(ACCESS_LOG), rows)


def record_access_now(
    engine: Engine,
    actor: Actor,
    patient_ids: Iterable[str | None],
    what: str,
    channel: str,
    at: datetime,
) -> None:
    """:func:`record_access` in its own short write transaction (after the read has ended)."""
    wanted = list(patient_ids)
    require_channel(channel)
    if not wanted:
        return
    with engine.begin() as connection:
        record_access(connection, actor, wanted, what, channel, at)


def require_may_read_trail(actor: Actor) -> None:
    """Raise :class:`ScopeError` unless ``actor`` may ever read an access trail (before any read):
    administrators and staff of a site; never researchers or patients."""
    if actor.role in (Role.RESEARCHER, Role.PATIENT):
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot read who accessed a patient's data: "
            "only an administrator or staff of the patient's site can"
        )


def load_access_trail(connection: Connection, patient_id: str) -> list[AccessEntry]:
    """The reads of ``patient_id``'s identifiable data, oldest first."""
    rows = connection.execute(
        select(ACCESS_LOG)
        .where(ACCESS_LOG.c.patient_id == patient_id)
        .order_by(ACCESS_LOG.c.recorded_at, ACCESS_LOG.c.id)
    ).mappings()
    return [
        AccessEntry(
            recorded_at=_utc(row["recorded_at"]),
            actor_user=row["actor_user"],
            actor_role=row["actor_role"],
            actor_site_id=row["actor_site_id"],
            patient_id=row["patient_id"],
            what=row["what"],
            channel=row["channel"],
        )
        for row in rows
    ]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
