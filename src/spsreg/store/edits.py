"""Single-record reads and edits with optimistic concurrency.

A form reads a record with its row version (:class:`Versioned`), the user edits it, and the write
names the version it started from: ``UPDATE ... WHERE row_version = :expected``. If someone else
saved in between, the versions differ and the write is refused with :class:`ConflictError` carrying
the stored version; it is never silently overwritten.

A nested record's version is covered by its parent's: changing an assessment also moves its visit's
version (and a refill its pump's), so a stale edit of the whole visit cannot undo a newer assessment.

Every edit is applied to the patient's whole record and validated there before anything is written
(see :mod:`spsreg.store.records`); an edit that would break the record raises pydantic's
``ValidationError`` with the domain's message and writes nothing. A diary entry (a patient's daily
write, the most frequent one) takes a lean path instead: :func:`check_diary_entry` enforces the
whole record's rules for it with two targeted queries rather than loading years of the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, String, delete, func, literal, select, union_all, update

from spsreg.domain import DiaryEntry, Patient, PatientIdentifiers, PatientRecord
from spsreg.store.audit import AuditAction, canonical_json
from spsreg.store.errors import ConflictError, NotFoundError, StoreError
from spsreg.store.mapping import CHILD_KINDS, MAPPINGS, SECTION_KINDS, RecordKind, Row
from spsreg.store.records import (
    child_kind_of,
    delete_patient_rows,
    find_item,
    insert_children,
    load_records,
    record_summary,
    with_item,
    without_item,
)
from spsreg.store.scope import Actor, patient_scope
from spsreg.store.tables import ALERT_ACKNOWLEDGEMENTS, PATIENTS, SITES
from spsreg.store.transactions import WriteTransaction

__all__ = [
    "Versioned",
    "add_item",
    "check_diary_entry",
    "delete_item",
    "get_item",
    "require_site",
    "scoped_patient",
    "update_item",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Versioned(Generic[T]):
    """A record as stored, with the row version to name when changing it."""

    record: T
    version: int
    patient_id: str


@dataclass(frozen=True)
class _Located:
    patient: Row
    row: Row

    @property
    def patient_id(self) -> str:
        return str(self.patient["id"])

    @property
    def version(self) -> int:
        return int(self.row["row_version"])


def require_site(connection: Connection, site_id: str) -> None:
    if connection.execute(select(SITES.c.id).where(SITES.c.id == site_id)).first() is None:
        raise NotFoundError(f"site {site_id} is not registered: add the site first")


def scoped_patient(connection: Connection, actor: Actor, patient_id: str) -> Row:
    """The ``patients`` row if the actor may see it; otherwise :class:`NotFoundError`."""
    row = (
        connection.execute(
            select(PATIENTS).where(PATIENTS.c.id == patient_id, patient_scope(actor))
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(f"patient {patient_id} not found")
    return row


def _locate(connection: Connection, actor: Actor, kind: RecordKind, record_id: str) -> _Located:
    mapping = MAPPINGS[kind]
    if kind is RecordKind.PATIENT:
        patient = scoped_patient(connection, actor, record_id)
        return _Located(patient, patient)
    table = mapping.table
    row = (
        connection.execute(select(table).where(table.c[mapping.key_column] == record_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(f"{kind.value} {record_id} not found")
    try:
        patient = scoped_patient(connection, actor, row["patient_id"])
    except NotFoundError:
        raise NotFoundError(f"{kind.value} {record_id} not found") from None
    if kind is RecordKind.IDENTIFIERS and not actor.sees_identifiers_of(patient["site_id"]):
        raise NotFoundError(f"{kind.value} {record_id} not found")
    return _Located(patient, row)


def _read(connection: Connection, kind: RecordKind, located: _Located) -> Any:
    mapping = MAPPINGS[kind]
    child_kind = child_kind_of(kind)
    children: tuple[Any, ...] = ()
    if child_kind is not None:
        child = MAPPINGS[child_kind]
        assert child.parent_column is not None
        rows = connection.execute(
            select(child.table)
            .where(child.table.c[child.parent_column] == located.row["id"])
            .order_by(child.table.c.position, child.table.c.id)
        ).mappings()
        children = tuple(child.unflatten(row) for row in rows)
    return mapping.unflatten(located.row, children)


def get_item(
    connection: Connection, actor: Actor, kind: RecordKind, record_id: str
) -> Versioned[Any]:
    located = _locate(connection, actor, kind, record_id)
    return Versioned(_read(connection, kind, located), located.version, located.patient_id)


def add_item(
    tx: WriteTransaction,
    kind: RecordKind,
    patient_id: str,
    record: BaseModel,
    reason: str,
    parent_id: str | None,
) -> Versioned[Any]:
    connection, actor, version = tx.connection, tx.actor, tx.version
    mapping = MAPPINGS[kind]
    if kind is RecordKind.PATIENT:
        assert isinstance(record, Patient)
        if record.id != patient_id:
            raise StoreError(f"patient_id {patient_id} is not the new patient's id {record.id}")
        actor.may_write_patient(record.id, record.site_id)
        require_site(connection, record.site_id)
        connection.execute(PATIENTS.insert(), [mapping.row(record, version=version)])
        _audit(tx, AuditAction.CREATE, kind, record.id, record.id, None, record, reason)
        return Versioned(record, version, record.id)
    parent_kind = CHILD_KINDS.get(kind)
    if (parent_kind is None) != (parent_id is None):
        raise StoreError(
            "parent_id names the visit of an assessment or the pump of a refill, and only those"
        )
    patient = scoped_patient(connection, actor, patient_id)
    actor.may_write_patient(patient_id, patient["site_id"])
    if kind is RecordKind.IDENTIFIERS and not actor.sees_identifiers_of(patient["site_id"]):
        raise NotFoundError(f"patient {patient_id} not found")
    record_id = patient_id if kind is RecordKind.IDENTIFIERS else str(getattr(record, "id"))  # noqa: B009
    if isinstance(record, DiaryEntry):
        check_diary_entry(connection, patient_id, record, replacing=False)
    else:
        current = _whole_record(connection, patient)
        if _holds(current, kind, record_id):
            raise ConflictError(f"{kind.value} {record_id} already exists: update it instead")
        if parent_kind is not None:
            assert parent_id is not None
            if not _holds(current, parent_kind, parent_id):
                raise NotFoundError(f"{parent_kind.value} {parent_id} not found")
        with_item(current, kind, record, parent_id=parent_id)  # validates the record as a whole
    position = _next_position(connection, kind, patient_id, parent_id)
    row = mapping.row(
        record, version=version, patient_id=patient_id, position=position, parent_id=parent_id
    )
    connection.execute(mapping.table.insert(), [row])
    if child_kind_of(kind) is not None:
        insert_children(connection, kind, record, patient_id=patient_id, version=version)
    if parent_kind is not None:
        assert parent_id is not None
        _touch(connection, parent_kind, parent_id, version)
    _audit(tx, AuditAction.CREATE, kind, record_id, patient_id, None, record, reason)
    return Versioned(record, version, patient_id)


def update_item(
    tx: WriteTransaction,
    kind: RecordKind,
    record: BaseModel,
    expected_version: int,
    reason: str,
    patient_id: str | None,
) -> Versioned[Any]:
    connection, actor, version = tx.connection, tx.actor, tx.version
    mapping = MAPPINGS[kind]
    if kind is RecordKind.IDENTIFIERS:
        if patient_id is None:
            raise StoreError("identifiers have no id of their own: pass the patient_id")
        record_id = patient_id
    else:
        record_id = str(getattr(record, "id"))  # noqa: B009 - every other kind has an id
    located = _locate(connection, actor, kind, record_id)
    if patient_id is not None and located.patient_id != patient_id:
        raise NotFoundError(f"{kind.value} {record_id} not found")
    actor.may_write_patient(located.patient_id, located.patient["site_id"])
    _check_version(kind, record_id, located.version, expected_version)
    if isinstance(record, DiaryEntry):
        before, parent_id = mapping.unflatten(located.row), None
        check_diary_entry(connection, located.patient_id, record, replacing=True)
    else:
        current = _whole_record(connection, located.patient)
        before, parent_id = find_item(current, kind, record_id)
        if isinstance(record, Patient) and record.site_id != before.site_id:
            actor.may_write_patient(record.id, record.site_id)
            require_site(connection, record.site_id)
        with_item(current, kind, record, parent_id=parent_id)  # validates the record as a whole
    if record == before:
        return Versioned(before, located.version, located.patient_id)
    values = mapping.flatten(record)
    values["row_version"] = version
    table = mapping.table
    result = connection.execute(
        update(table)
        .where(table.c[mapping.key_column] == record_id, table.c.row_version == expected_version)
        .values(values)
    )
    if result.rowcount != 1:
        raise _stale(kind, record_id, expected_version, None)
    child_kind = child_kind_of(kind)
    if child_kind is not None:
        child = MAPPINGS[child_kind]
        assert child.parent_column is not None
        connection.execute(
            delete(child.table).where(child.table.c[child.parent_column] == record_id)
        )
        insert_children(connection, kind, record, patient_id=located.patient_id, version=version)
    parent_kind = CHILD_KINDS.get(kind)
    if parent_kind is not None:
        assert parent_id is not None
        _touch(connection, parent_kind, parent_id, version)
    _audit(tx, AuditAction.UPDATE, kind, record_id, located.patient_id, before, record, reason)
    return Versioned(record, version, located.patient_id)


def delete_item(
    tx: WriteTransaction,
    kind: RecordKind,
    record_id: str,
    expected_version: int,
    reason: str,
) -> None:
    connection, actor, version = tx.connection, tx.actor, tx.version
    located = _locate(connection, actor, kind, record_id)
    actor.may_write_patient(located.patient_id, located.patient["site_id"])
    _check_version(kind, record_id, located.version, expected_version)
    current = _whole_record(connection, located.patient)
    if kind is RecordKind.PATIENT:
        # Erasing a patient erases the alert decisions about them too; their own audit entries
        # stay in the append-only log, and this entry says how many decisions went.
        decisions = connection.execute(
            delete(ALERT_ACKNOWLEDGEMENTS).where(ALERT_ACKNOWLEDGEMENTS.c.patient_id == record_id)
        ).rowcount
        delete_patient_rows(connection, record_id)
        tx.audit(
            AuditAction.DELETE,
            entity_kind=kind.value,
            entity_id=record_id,
            patient_id=record_id,
            before=canonical_json({**record_summary(current), "alert_acknowledgements": decisions}),
            after=None,
            reason=reason,
        )
        return
    before, parent_id = find_item(current, kind, record_id)
    without_item(current, kind, record_id)  # validates what remains
    child_kind = child_kind_of(kind)
    if child_kind is not None:
        child = MAPPINGS[child_kind]
        assert child.parent_column is not None
        connection.execute(
            delete(child.table).where(child.table.c[child.parent_column] == record_id)
        )
    mapping = MAPPINGS[kind]
    result = connection.execute(
        delete(mapping.table).where(
            mapping.table.c[mapping.key_column] == record_id,
            mapping.table.c.row_version == expected_version,
        )
    )
    if result.rowcount != 1:
        raise _stale(kind, record_id, expected_version, None)
    parent_kind = CHILD_KINDS.get(kind)
    if parent_kind is not None:
        assert parent_id is not None
        _touch(connection, parent_kind, parent_id, version)
    _audit(tx, AuditAction.DELETE, kind, record_id, located.patient_id, before, None, reason)


def check_diary_entry(
    connection: Connection, patient_id: str, entry: DiaryEntry, *, replacing: bool
) -> None:
    """What validating the whole record enforces for one diary entry, in two targeted queries.

    :class:`PatientRecord` asks of a diary entry only that its id is used by no other record of
    the patient (any section, nested records included, the patient's own id too) and that no
    other entry has its day; the entry itself was validated when it was built, and the record's
    other checks concern other sections, which a diary write leaves as they are (and valid, as
    every stored record is). Adding (``replacing`` False) an id the diary already holds is a
    :class:`ConflictError`, as on the general path; a replacement keeps its own id and day row
    out of both checks. Failures raise pydantic's ``ValidationError`` with the record's message.
    """
    holders = _id_holders(connection, patient_id, entry.id)
    if not replacing and RecordKind.DIARY_ENTRIES.value in holders:
        raise ConflictError(f"diary_entries {entry.id} already exists: update it instead")
    others = [kind for kind in holders if kind != RecordKind.DIARY_ENTRIES.value]
    if entry.id == patient_id or others:
        raise _record_invalid(f"record ids used more than once: {entry.id}")
    table = MAPPINGS[RecordKind.DIARY_ENTRIES].table
    same_day = connection.execute(
        select(table.c.id)
        .where(
            table.c.patient_id == patient_id,
            table.c.entry_date == entry.entry_date,
            table.c.id != entry.id,
        )
        .limit(1)
    ).first()
    if same_day is not None:
        raise _record_invalid(f"more than one diary entry on {entry.entry_date.isoformat()}")


def _id_holders(connection: Connection, patient_id: str, record_id: str) -> list[str]:
    """The kinds of the patient's records (sections and nested) stored under ``record_id``: one
    ``UNION ALL`` of primary-key lookups."""
    lookups = []
    for kind in (*SECTION_KINDS, *CHILD_KINDS):
        table = MAPPINGS[kind].table
        lookups.append(
            select(literal(kind.value, String).label("kind")).where(
                table.c.patient_id == patient_id, table.c.id == record_id
            )
        )
    return [str(kind) for kind in connection.execute(union_all(*lookups)).scalars()]


def _record_invalid(message: str) -> ValidationError:
    """The error validating the whole record raises for ``message``."""
    return ValidationError.from_exception_data(
        PatientRecord.__name__,
        [{"type": "value_error", "loc": (), "input": None, "ctx": {"error": ValueError(message)}}],
    )


def _whole_record(connection: Connection, patient: Row) -> PatientRecord:
    """The stored record with identifiers, for validating an edit (never returned to a caller)."""
    return load_records(connection, [patient], with_identifiers={patient["id"]})[0]


def _holds(record: PatientRecord, kind: RecordKind, record_id: str) -> bool:
    try:
        find_item(record, kind, record_id)
    except KeyError:
        return False
    return True


def _next_position(
    connection: Connection, kind: RecordKind, patient_id: str, parent_id: str | None
) -> int:
    mapping = MAPPINGS[kind]
    if not mapping.has_position:
        return 0
    table = mapping.table
    column = table.c.patient_id if mapping.parent_column is None else table.c[mapping.parent_column]
    key = patient_id if mapping.parent_column is None else parent_id
    top = connection.execute(select(func.max(table.c.position)).where(column == key)).scalar()
    return 0 if top is None else int(top) + 1


def _touch(connection: Connection, kind: RecordKind, record_id: str, version: int) -> None:
    """Move a parent's row version: its nested records changed."""
    table = MAPPINGS[kind].table
    connection.execute(update(table).where(table.c.id == record_id).values(row_version=version))


def _check_version(kind: RecordKind, record_id: str, stored: int, expected: int) -> None:
    if stored != expected:
        raise _stale(kind, record_id, expected, stored)


def _stale(kind: RecordKind, record_id: str, expected: int, stored: int | None) -> ConflictError:
    now = f"the stored version is {stored}" if stored is not None else "it has changed since"
    return ConflictError(
        f"{kind.value} {record_id} was changed by someone else after you read it: you edited "
        f"version {expected}, {now}. Reload it and apply your change again.",
        current_version=stored,
    )


def _audit(
    tx: WriteTransaction,
    action: AuditAction,
    kind: RecordKind,
    record_id: str,
    patient_id: str,
    before: BaseModel | None,
    after: BaseModel | None,
    reason: str,
) -> None:
    tx.audit(
        action,
        entity_kind=kind.value,
        entity_id=record_id,
        patient_id=patient_id,
        before=_document(before, after, changed=False),
        after=_document(after, before, changed=True),
        reason=reason,
    )


def _document(item: BaseModel | None, other: BaseModel | None, *, changed: bool) -> str | None:
    """The audit form of a record; identifiers are reduced to field names (never values)."""
    if item is None:
        return None
    if isinstance(item, PatientIdentifiers):
        present = sorted(name for name, value in item if value is not None)
        if changed and isinstance(other, PatientIdentifiers):
            differing = sorted(name for name, value in item if getattr(other, name) != value)
            return canonical_json({"fields": present, "changed_fields": differing})
        return canonical_json({"fields": present})
    return canonical_json(item.model_dump(mode="json"))
