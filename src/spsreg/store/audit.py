"""The hash-chained audit trail.

Every create, update and delete appends one entry in the same transaction as the change: who (user,
role, site), what (action, entity kind and id, patient), why (reason), and the record before and after
as canonical JSON. Each entry stores ``prev_hash``, the hash of the entry before it, and ``hash``, the
SHA-256 of the canonical JSON of all its other fields. Editing, deleting or reordering entries breaks
the chain, and :func:`verify_audit_chain` says where.

Two kinds of change store a summary instead of the full document, on purpose:

* a whole patient record (save, replace, delete) stores the SHA-256 of its canonical JSON plus the
  number of records per section: a record can hold thousands of diary entries, and copying each
  import into the log would double the database while adding nothing the digest cannot prove;
* identifiers store a digest and the names of the fields that changed, never the values: the log is
  append-only, and identifiable data must stay in ``patient_identifiers`` where they can be
  corrected or erased.

Limits: anyone able to write the database can rewrite the whole chain from some entry onwards with
fresh hashes; keep the head (:func:`audit_head`) somewhere else (a report, a second system) and pass
it as ``expected_head`` to detect that, and to detect entries cut off the end.

Appends are serialised: PostgreSQL takes a transaction-scoped advisory lock before reading the head;
on SQLite every write transaction starts with ``BEGIN IMMEDIATE``, which already holds the write lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from spsreg.store.config import read_only
from spsreg.store.scope import Actor
from spsreg.store.tables import AUDIT_LOG

__all__ = [
    "AUDIT_LOCK_KEY",
    "GENESIS_HASH",
    "AuditAction",
    "AuditEntry",
    "AuditHead",
    "AuditVerification",
    "append_entry",
    "audit_head",
    "canonical_json",
    "iter_audit_entries",
    "lock_audit_head",
    "sha256_hex",
    "verify_audit_chain",
    "verify_entries",
]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first entry."""

AUDIT_LOCK_KEY = 0x5350_5352_4547_0001
"""PostgreSQL advisory lock key serialising audit appends ('SPSREG' + 1)."""


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"  # a whole patient record replaced by a new version of it


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and no NaN: the same data always give the same text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256_hex(text_value: str) -> str:
    return hashlib.sha256(text_value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditHead:
    """The last entry of the chain (sequence 0 and the genesis hash when the log is empty)."""

    sequence: int
    hash: str


@dataclass(frozen=True)
class AuditEntry:
    sequence: int
    recorded_at: str
    actor_user: str
    actor_role: str
    actor_site_id: str | None
    action: str
    entity_kind: str
    entity_id: str
    patient_id: str | None
    before: str | None
    after: str | None
    reason: str
    prev_hash: str
    hash: str

    def hashed_fields(self) -> dict[str, Any]:
        fields = asdict(self)
        del fields["hash"]
        return fields

    def computed_hash(self) -> str:
        """The hash these fields should have; differs from ``hash`` if the entry was edited."""
        return sha256_hex(canonical_json(self.hashed_fields()))

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> AuditEntry:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class AuditVerification:
    """Result of checking the chain; ``problem`` explains the first break in words."""

    ok: bool
    entries_checked: int
    first_broken_sequence: int | None = None
    problem: str | None = None
    head: AuditHead | None = None


def lock_audit_head(connection: Connection) -> AuditHead:
    """Serialise with other writers, then read the head of the chain (inside the write transaction)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    return audit_head(connection)


def audit_head(connection: Connection) -> AuditHead:
    row = connection.execute(
        select(AUDIT_LOG.c.sequence, AUDIT_LOG.c.hash)
        .order_by(AUDIT_LOG.c.sequence.desc())
        .limit(1)
    ).first()
    if row is None:
        return AuditHead(0, GENESIS_HASH)
    return AuditHead(row.sequence, row.hash)


def append_entry(
    connection: Connection,
    head: AuditHead,
    *,
    recorded_at: str,
    actor: Actor,
    action: AuditAction,
    entity_kind: str,
    entity_id: str,
    patient_id: str | None,
    before: str | None,
    after: str | None,
    reason: str,
) -> AuditEntry:
    """Append the entry that follows ``head`` (read with :func:`lock_audit_head` in this transaction)."""
    unhashed = AuditEntry(
        sequence=head.sequence + 1,
        recorded_at=recorded_at,
        actor_user=actor.user,
        actor_role=actor.role.value,
        actor_site_id=actor.site_id,
        action=action.value,
        entity_kind=entity_kind,
        entity_id=entity_id,
        patient_id=patient_id,
        before=before,
        after=after,
        reason=reason,
        prev_hash=head.hash,
        hash="",
    )
    entry = AuditEntry(**{**unhashed.hashed_fields(), "hash": unhashed.computed_hash()})
    connection.execute(AUDIT_LOG.insert(), asdict(entry))
    return entry


def iter_audit_entries(
    connection: Connection,
    *,
    patient_id: str | None = None,
    batch_size: int = 1000,
) -> Iterator[AuditEntry]:
    """Entries in sequence order, read in batches (optionally those of one patient)."""
    last = 0
    while True:
        query = select(AUDIT_LOG).where(AUDIT_LOG.c.sequence > last)
        if patient_id is not None:
            query = query.where(AUDIT_LOG.c.patient_id == patient_id)
        rows = connection.execute(query.order_by(AUDIT_LOG.c.sequence).limit(batch_size)).all()
        for row in rows:
            yield AuditEntry.from_row(row._mapping)
        if len(rows) < batch_size:
            return
        last = rows[-1].sequence


def verify_entries(
    entries: Iterable[AuditEntry],
    *,
    sequence_of_hash: Callable[[str], int | None],
    expected_head: AuditHead | None = None,
) -> AuditVerification:
    """Check a chain given in stored (sequence) order; stop at the first break.

    ``sequence_of_hash`` finds the stored entry carrying a hash; it tells a reordered entry (its
    predecessor exists, elsewhere) from one whose predecessor is gone.
    """
    previous = AuditHead(0, GENESIS_HASH)
    checked = 0
    for entry in entries:
        expected_sequence = previous.sequence + 1
        if entry.sequence != expected_sequence:
            return _broken(
                checked,
                expected_sequence,
                f"entry {expected_sequence} is missing (deleted): the chain jumps from "
                f"{previous.sequence} to {entry.sequence}",
            )
        if entry.prev_hash != previous.hash:
            moved_from = sequence_of_hash(entry.prev_hash)
            if moved_from is not None:
                why = (
                    f"entry {entry.sequence} is out of order (reordered): it was written after "
                    f"the entry now stored as {moved_from}"
                )
            else:
                why = (
                    f"entry {entry.sequence} does not follow entry {previous.sequence}: its "
                    "prev_hash names no stored entry (an entry was deleted or its link edited)"
                )
            return _broken(checked, entry.sequence, why)
        if entry.computed_hash() != entry.hash:
            return _broken(
                checked,
                entry.sequence,
                f"entry {entry.sequence} was edited: its content no longer matches its hash",
            )
        if (
            expected_head is not None
            and entry.sequence == expected_head.sequence
            and entry.hash != expected_head.hash
        ):
            return _broken(
                checked,
                entry.sequence,
                f"entry {entry.sequence} is not the expected head: the chain was rewritten",
            )
        checked += 1
        previous = AuditHead(entry.sequence, entry.hash)
    if expected_head is not None and previous.sequence < expected_head.sequence:
        return _broken(
            checked,
            previous.sequence + 1,
            f"entries {previous.sequence + 1} to {expected_head.sequence} are missing "
            "(the end of the log was cut off)",
        )
    return AuditVerification(ok=True, entries_checked=checked, head=previous)


def verify_audit_chain(
    source: Engine | Connection, *, expected_head: AuditHead | None = None
) -> AuditVerification:
    """Verify the whole stored chain (streamed; constant memory)."""
    if isinstance(source, Engine):
        with source.connect() as connection:
            connection = read_only(connection)
            with connection.begin():
                return verify_audit_chain(connection, expected_head=expected_head)

    def sequence_of_hash(hash_value: str) -> int | None:
        found: int | None = source.execute(
            select(func.min(AUDIT_LOG.c.sequence)).where(AUDIT_LOG.c.hash == hash_value)
        ).scalar()
        return found

    return verify_entries(
        iter_audit_entries(source), sequence_of_hash=sequence_of_hash, expected_head=expected_head
    )


def _broken(checked: int, sequence: int, why: str) -> AuditVerification:
    return AuditVerification(
        ok=False, entries_checked=checked, first_broken_sequence=sequence, problem=why
    )
