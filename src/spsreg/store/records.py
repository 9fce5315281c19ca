"""Whole patient records in and out of the tables, and edits of one record inside a patient record.

Writing a record is a fixed sequence of bulk inserts (one per table, parents before children:
executemany on SQLite, COPY on PostgreSQL); reading a batch of patients is one ``IN`` query per table, grouped in memory. Rows are
ordered by ``position`` so that the record's tuples come back in the order they were saved.

The edit helpers (:func:`with_item`, :func:`without_item`) work on domain objects only: an edit of one
diary entry or one assessment is applied to the whole record and the result is validated as a
``PatientRecord``, so that a single edit can never leave a record that no longer loads (an
administration naming a deleted course, a second diary entry on the same day, ...).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any, TypeVar

import psycopg
from pydantic import BaseModel
from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.exc import DBAPIError

from spsreg.domain import Patient, PatientRecord
from spsreg.store.audit import canonical_json, sha256_hex
from spsreg.store.mapping import CHILD_KINDS, MAPPINGS, SECTION_KINDS, RecordKind, Row
from spsreg.store.tables import PATIENT_IDENTIFIERS, PATIENTS

__all__ = [
    "bulk_insert",
    "child_kind_of",
    "delete_patient_rows",
    "differing_sections",
    "find_item",
    "insert_children",
    "insert_record",
    "load_records",
    "rebuild",
    "record_rows",
    "record_summary",
    "with_item",
    "without_item",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

_PATIENT = MAPPINGS[RecordKind.PATIENT]
_IDENTIFIERS = MAPPINGS[RecordKind.IDENTIFIERS]
_CHILD_OF_PARENT: dict[RecordKind, RecordKind] = {
    parent: child for child, parent in CHILD_KINDS.items()
}


def rebuild(model: ModelT, **changes: Any) -> ModelT:
    """A copy of a frozen domain object with some fields changed, validated again.

    Unlike ``model_copy(update=...)`` this runs the class's validators; nested objects that are
    already domain instances are not re-validated, so the cost is that of the changed level only.
    """
    cls = type(model)
    values = {name: getattr(model, name) for name in cls.model_fields}
    values.update(changes)
    return cls(**values)


def record_rows(record: PatientRecord, version: int) -> list[tuple[Table, list[dict[str, Any]]]]:
    """Rows of a whole record per table, in foreign-key order, all at ``version``."""
    patient_id = record.patient.id
    out: list[tuple[Table, list[dict[str, Any]]]] = [
        (_PATIENT.table, [_PATIENT.row(record.patient, version=version)])
    ]
    if record.identifiers is not None:
        out.append(
            (
                _IDENTIFIERS.table,
                [_IDENTIFIERS.row(record.identifiers, version=version, patient_id=patient_id)],
            )
        )
    for kind in SECTION_KINDS:
        mapping = MAPPINGS[kind]
        items: tuple[Any, ...] = getattr(record, kind.value)
        out.append(
            (
                mapping.table,
                [
                    mapping.row(item, version=version, patient_id=patient_id, position=position)
                    for position, item in enumerate(items)
                ],
            )
        )
        child_kind = _CHILD_OF_PARENT.get(kind)
        if child_kind is not None and mapping.children_field is not None:
            child = MAPPINGS[child_kind]
            out.append(
                (
                    child.table,
                    [
                        child.row(
                            item,
                            version=version,
                            patient_id=patient_id,
                            position=position,
                            parent_id=parent.id,
                        )
                        for parent in items
                        for position, item in enumerate(getattr(parent, mapping.children_field))
                    ],
                )
            )
    return out


def insert_record(connection: Connection, record: PatientRecord, version: int) -> None:
    """Insert a whole record, one bulk insert per table."""
    for table, rows in record_rows(record, version):
        bulk_insert(connection, table, rows)


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows at once: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    On PostgreSQL an executemany still runs one INSERT per row on the server; COPY streams a
    thousand diary entries in one command, within the same transaction (measured: a whole-record
    import of 1,000 diary entries took half the time). psycopg errors are re-raised as
    SQLAlchemy's (``IntegrityError`` for a constraint), as any other statement's would be.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    quote = connection.dialect.identifier_preparer.quote
    columns = list(rows[0])
    statement = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None  # an open connection in a transaction
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def child_kind_of(kind: RecordKind) -> RecordKind | None:
    """The nested kind held by records of ``kind`` (assessments of visits, refills of pumps)."""
    return _CHILD_OF_PARENT.get(kind)


def insert_children(
    connection: Connection,
    parent_kind: RecordKind,
    parent: BaseModel,
    *,
    patient_id: str,
    version: int,
) -> None:
    """Insert the nested records of a visit or pump (its assessments or refills)."""
    child_kind = _CHILD_OF_PARENT[parent_kind]
    field = MAPPINGS[parent_kind].children_field
    assert field is not None
    child = MAPPINGS[child_kind]
    parent_id: str = getattr(parent, "id")  # noqa: B009 - every parent kind has an id
    rows = [
        child.row(
            item, version=version, patient_id=patient_id, position=position, parent_id=parent_id
        )
        for position, item in enumerate(getattr(parent, field))
    ]
    bulk_insert(connection, child.table, rows)


def delete_patient_rows(connection: Connection, patient_id: str) -> None:
    """Delete everything stored for a patient, children first (foreign keys are enforced)."""
    for kind in (*CHILD_KINDS, *reversed(SECTION_KINDS)):
        table = MAPPINGS[kind].table
        connection.execute(delete(table).where(table.c.patient_id == patient_id))
    connection.execute(
        delete(PATIENT_IDENTIFIERS).where(PATIENT_IDENTIFIERS.c.patient_id == patient_id)
    )
    connection.execute(delete(PATIENTS).where(PATIENTS.c.id == patient_id))


def load_records(
    connection: Connection,
    patient_rows: Sequence[Row],
    *,
    with_identifiers: Collection[str],
) -> list[PatientRecord]:
    """Build the records of a batch of patients (rows of ``patients``) with one query per table.

    Identifiers are read only for the patient ids in ``with_identifiers``; the caller decides who
    may see them.
    """
    if not patient_rows:
        return []
    ids = [row["id"] for row in patient_rows]
    children: dict[RecordKind, dict[str, list[Any]]] = {}
    for child_kind in CHILD_KINDS:
        mapping = MAPPINGS[child_kind]
        assert mapping.parent_column is not None
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in _section_rows(connection, mapping.table, ids):
            grouped[row[mapping.parent_column]].append(mapping.unflatten(row))
        children[child_kind] = grouped
    sections: dict[RecordKind, dict[str, list[Any]]] = {}
    for kind in SECTION_KINDS:
        section = MAPPINGS[kind]
        nested_kind = _CHILD_OF_PARENT.get(kind)
        by_patient: dict[str, list[Any]] = defaultdict(list)
        for row in _section_rows(connection, section.table, ids):
            nested = tuple(children[nested_kind].get(row["id"], ())) if nested_kind else ()
            by_patient[row["patient_id"]].append(section.unflatten(row, nested))
        sections[kind] = by_patient
    identifiers: dict[str, Any] = {}
    wanted = [patient_id for patient_id in ids if patient_id in with_identifiers]
    if wanted:
        for row in connection.execute(
            select(PATIENT_IDENTIFIERS).where(PATIENT_IDENTIFIERS.c.patient_id.in_(wanted))
        ).mappings():
            identifiers[row["patient_id"]] = _IDENTIFIERS.unflatten(row)
    records = []
    for patient_row in patient_rows:
        patient: Patient = _PATIENT.unflatten(patient_row)
        records.append(
            PatientRecord(
                patient=patient,
                identifiers=identifiers.get(patient.id),
                **{kind.value: tuple(sections[kind].get(patient.id, ())) for kind in SECTION_KINDS},
            )
        )
    return records


def _section_rows(
    connection: Connection, table: Table, patient_ids: Sequence[str]
) -> Iterable[Row]:
    return connection.execute(
        select(table)
        .where(table.c.patient_id.in_(patient_ids))
        .order_by(table.c.patient_id, table.c.position, table.c.id)
    ).mappings()


def differing_sections(old: PatientRecord, new: PatientRecord) -> list[str]:
    """Names of the parts of two records that differ (``patient``, ``identifiers``, sections)."""
    names = ["patient", "identifiers", *(kind.value for kind in SECTION_KINDS)]
    return [name for name in names if getattr(old, name) != getattr(new, name)]


def record_summary(record: PatientRecord) -> dict[str, Any]:
    """What the audit trail keeps of a whole record: its digest and how many records per section."""
    counts = {kind.value: len(getattr(record, kind.value)) for kind in SECTION_KINDS}
    counts["assessments"] = sum(len(visit.assessments) for visit in record.visits)
    counts["pump_refills"] = sum(len(pump.refills) for pump in record.pumps)
    return {
        "record_sha256": sha256_hex(canonical_json(record.model_dump(mode="json"))),
        "identifiers": record.identifiers is not None,
        "sections": counts,
    }


def find_item(record: PatientRecord, kind: RecordKind, record_id: str) -> tuple[Any, str | None]:
    """The record of ``kind`` with ``record_id`` in a patient record, and its parent's id if nested.

    Raises ``KeyError`` when absent.
    """
    if kind is RecordKind.PATIENT:
        return record.patient, None
    if kind is RecordKind.IDENTIFIERS:
        if record.identifiers is None:
            raise KeyError(record_id)
        return record.identifiers, None
    parent_kind = CHILD_KINDS.get(kind)
    if parent_kind is None:
        for item in getattr(record, kind.value):
            if item.id == record_id:
                return item, None
        raise KeyError(record_id)
    field = _children_field(parent_kind)
    for parent in getattr(record, parent_kind.value):
        for item in getattr(parent, field):
            if item.id == record_id:
                return item, parent.id
    raise KeyError(record_id)


def with_item(
    record: PatientRecord, kind: RecordKind, item: Any, *, parent_id: str | None = None
) -> PatientRecord:
    """The record with ``item`` replacing the record of the same id, or appended if new."""
    if kind is RecordKind.PATIENT:
        return rebuild(record, patient=item)
    if kind is RecordKind.IDENTIFIERS:
        return rebuild(record, identifiers=item)
    parent_kind = CHILD_KINDS.get(kind)
    if parent_kind is None:
        return rebuild(
            record, **{kind.value: _replace_or_append(getattr(record, kind.value), item)}
        )
    field = _children_field(parent_kind)
    parents = []
    for parent in getattr(record, parent_kind.value):
        if parent.id == parent_id:
            parent = rebuild(parent, **{field: _replace_or_append(getattr(parent, field), item)})
        parents.append(parent)
    return rebuild(record, **{parent_kind.value: tuple(parents)})


def without_item(record: PatientRecord, kind: RecordKind, record_id: str) -> PatientRecord:
    """The record without the record of ``kind`` with ``record_id`` (and its nested records)."""
    if kind is RecordKind.IDENTIFIERS:
        return rebuild(record, identifiers=None)
    parent_kind = CHILD_KINDS.get(kind)
    if parent_kind is None:
        kept = tuple(item for item in getattr(record, kind.value) if item.id != record_id)
        return rebuild(record, **{kind.value: kept})
    field = _children_field(parent_kind)
    parents = [
        rebuild(parent, **{field: tuple(c for c in getattr(parent, field) if c.id != record_id)})
        for parent in getattr(record, parent_kind.value)
    ]
    return rebuild(record, **{parent_kind.value: tuple(parents)})


def _replace_or_append(items: tuple[Any, ...], item: Any) -> tuple[Any, ...]:
    if any(existing.id == item.id for existing in items):
        return tuple(item if existing.id == item.id else existing for existing in items)
    return (*items, item)


def _children_field(parent_kind: RecordKind) -> str:
    field = MAPPINGS[parent_kind].children_field
    assert field is not None
    return field
