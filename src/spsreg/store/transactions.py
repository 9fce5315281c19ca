"""Read and write transactions of the access layer.

A write transaction first serialises with every other writer and reads the head of the audit chain
(:func:`~spsreg.store.audit.lock_audit_head`); the sequence number its audit entry will take is then
known, and it is also the ``row_version`` of every row the transaction writes. Row versions are
therefore unique registry-wide and strictly increasing: a version is never reused, not even after a
record is deleted and created again, so a stale edit can never match by accident. One write
transaction writes at most one audit entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from spsreg.store.audit import AuditAction, AuditEntry, AuditHead, append_entry, lock_audit_head
from spsreg.store.config import read_only
from spsreg.store.errors import ConflictError, StoreError
from spsreg.store.scope import Actor

__all__ = [
    "Clock",
    "WriteTransaction",
    "iso_utc",
    "read_transaction",
    "utc_now",
    "write_transaction",
]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix and microseconds, e.g. ``2025-03-01T08:15:00.000000Z``."""
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class WriteTransaction:
    connection: Connection
    actor: Actor
    head: AuditHead
    recorded_at: str
    written: list[AuditEntry] = field(default_factory=list)

    @property
    def version(self) -> int:
        """The row version of everything written in this transaction (its audit sequence)."""
        return self.head.sequence + 1

    def audit(
        self,
        action: AuditAction,
        *,
        entity_kind: str,
        entity_id: str,
        patient_id: str | None,
        before: str | None,
        after: str | None,
        reason: str,
    ) -> AuditEntry:
        if self.written:
            raise StoreError("a write transaction records exactly one audit entry")
        entry = append_entry(
            self.connection,
            self.head,
            recorded_at=self.recorded_at,
            actor=self.actor,
            action=action,
            entity_kind=entity_kind,
            entity_id=entity_id,
            patient_id=patient_id,
            before=before,
            after=after,
            reason=reason,
        )
        self.written.append(entry)
        return entry


@contextmanager
def write_transaction(engine: Engine, actor: Actor, clock: Clock) -> Iterator[WriteTransaction]:
    """One all-or-nothing write; a database constraint violation becomes :class:`ConflictError`."""
    try:
        with engine.begin() as connection:
            head = lock_audit_head(connection)
            yield WriteTransaction(connection, actor, head, iso_utc(clock()))
    except IntegrityError as exc:
        message = str(exc.orig if exc.orig is not None else exc)
        detail = "; ".join(line.strip() for line in message.splitlines() if line.strip())
        raise ConflictError(
            f"nothing was saved: the change conflicts with stored data ({detail})"
        ) from exc


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction seeing one consistent snapshot."""
    with engine.connect() as connection:
        reader = read_only(connection)
        with reader.begin():
            yield reader
