"""Declarative mapping between domain classes and table rows.

Each :class:`RecordMapping` names a domain class, its table and how it nests; the column for a field
is found by name, so adding a field to a domain class means adding the column of the same name to
:mod:`spsreg.store.tables` (and a migration), nothing here. Three conventions cover every field:

* a nested value object (``Dose``) is flattened into ``<field>_<subfield>`` columns
  (``dose_value``, ``dose_unit``);
* a field whose column is JSON (tuples of codes or value objects, a dict of responses) is stored
  as the JSON text pydantic serialises (:class:`~spsreg.store.tables.JSONText`) and validated
  back into the domain type on load;
* anything else is stored as is, enums as their text value.

A mapping checks at construction that every field has its column and every column is either a field
or bookkeeping (key, ``patient_id``, ``position``, ``row_version``, parent key), so a forgotten
column fails at import time rather than silently dropping data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Table

from spsreg.domain import (
    RECORD_SECTIONS,
    Administration,
    AdverseEvent,
    Assessment,
    Comorbidity,
    Consent,
    DiaryEntry,
    GeneticMarker,
    IntrathecalPump,
    LabResult,
    MedicationCourse,
    NonDrugTherapy,
    Patient,
    PatientIdentifiers,
    Procedure,
    PumpRefill,
    Site,
    Visit,
)
from spsreg.store import tables
from spsreg.store.tables import JSONText

__all__ = [
    "CHILD_KINDS",
    "MAPPINGS",
    "SECTION_KINDS",
    "SITE_MAPPING",
    "RecordKind",
    "RecordMapping",
    "Row",
]

M = TypeVar("M", bound=BaseModel)

Row = Mapping[Any, Any]
"""A table row as read (``RowMapping``) or written (a dict of column values)."""

BOOKKEEPING_COLUMNS = frozenset({"patient_id", "position", "row_version"})


class RecordKind(StrEnum):
    """The kinds of record a patient has; section kinds are named as in ``PatientRecord``."""

    PATIENT = "patient"
    IDENTIFIERS = "identifiers"
    CONSENTS = "consents"
    LAB_RESULTS = "lab_results"
    COMORBIDITIES = "comorbidities"
    GENETIC_MARKERS = "genetic_markers"
    VISITS = "visits"
    ASSESSMENTS = "assessments"
    MEDICATION_COURSES = "medication_courses"
    ADMINISTRATIONS = "administrations"
    PUMPS = "pumps"
    PUMP_REFILLS = "pump_refills"
    PROCEDURES = "procedures"
    NON_DRUG_THERAPIES = "non_drug_therapies"
    ADVERSE_EVENTS = "adverse_events"
    DIARY_ENTRIES = "diary_entries"


@dataclass(frozen=True)
class _FieldPlan:
    flatten: Callable[[Any, dict[str, Any]], None]
    unflatten: Callable[[Row, dict[str, Any]], None]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class RecordMapping(Generic[M]):
    """How one domain class is stored.

    ``key_column`` holds the record's identity (``id`` for most records; ``patient_id`` for
    identifiers, which have no id of their own). A nested class names its ``parent`` kind and the
    ``parent_column`` that points at it; a parent names the domain field (``children_field``) that
    holds its children, which the mapping leaves to the child's own mapping.
    """

    kind: str
    model: type[M]
    table: Table
    key_column: str = "id"
    parent: RecordKind | None = None
    parent_column: str | None = None
    children_field: str | None = None
    _plans: tuple[_FieldPlan, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if "row_version" not in self.table.c:
            raise TypeError(f"table {self.table.name} has no row_version column")
        plans = tuple(
            _plan_field(self.model, name, self.table)
            for name in self.model.model_fields
            if name != self.children_field
        )
        mapped = {column for plan in plans for column in plan.columns}
        bookkeeping = {self.key_column, *BOOKKEEPING_COLUMNS}
        if self.parent_column is not None:
            bookkeeping.add(self.parent_column)
        unmapped = [
            column.name
            for column in self.table.columns
            if column.name not in mapped and column.name not in bookkeeping
        ]
        if unmapped:
            raise TypeError(
                f"table {self.table.name} has columns that are not fields of "
                f"{self.model.__name__}: {', '.join(unmapped)}"
            )
        object.__setattr__(self, "_plans", plans)

    @property
    def has_position(self) -> bool:
        return "position" in self.table.c

    def flatten(self, record: M) -> dict[str, Any]:
        """The column values of a record's own fields (no bookkeeping columns)."""
        row: dict[str, Any] = {}
        for plan in self._plans:
            plan.flatten(record, row)
        return row

    def row(
        self,
        record: M,
        *,
        version: int,
        patient_id: str | None = None,
        position: int | None = None,
        parent_id: str | None = None,
    ) -> dict[str, Any]:
        """A complete row: the record's fields plus its bookkeeping columns."""
        row = self.flatten(record)
        row["row_version"] = version
        if "patient_id" in self.table.c:
            row["patient_id"] = patient_id
        if self.has_position:
            row["position"] = position
        if self.parent_column is not None:
            row[self.parent_column] = parent_id
        return row

    def unflatten(self, row: Row, children: tuple[Any, ...] = ()) -> M:
        """The domain record of a row (validated), with its already-built children."""
        data: dict[str, Any] = {}
        for plan in self._plans:
            plan.unflatten(row, data)
        if self.children_field is not None:
            data[self.children_field] = children
        return self.model.model_validate(data)


def _plan_field(model: type[BaseModel], name: str, table: Table) -> _FieldPlan:
    annotation = model.model_fields[name].annotation
    if annotation is None:
        raise TypeError(f"{model.__name__}.{name} has no type annotation")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _composite_plan(model, name, annotation, table)
    if name not in table.c:
        raise TypeError(f"table {table.name} has no column for {model.__name__}.{name}")
    if isinstance(table.c[name].type, JSONText):
        return _json_plan(name, TypeAdapter(annotation))
    return _scalar_plan(name)


def _scalar_plan(name: str) -> _FieldPlan:
    def flatten(record: Any, row: dict[str, Any]) -> None:
        value = getattr(record, name)
        row[name] = value.value if isinstance(value, Enum) else value

    def unflatten(row: Row, data: dict[str, Any]) -> None:
        data[name] = row[name]

    return _FieldPlan(flatten, unflatten, (name,))


def _json_plan(name: str, adapter: TypeAdapter[Any]) -> _FieldPlan:
    def flatten(record: Any, row: dict[str, Any]) -> None:
        row[name] = adapter.dump_json(getattr(record, name)).decode()

    def unflatten(row: Row, data: dict[str, Any]) -> None:
        data[name] = row[name]

    return _FieldPlan(flatten, unflatten, (name,))


def _composite_plan(
    model: type[BaseModel], name: str, value_type: type[BaseModel], table: Table
) -> _FieldPlan:
    parts = tuple(value_type.model_fields)
    columns = tuple(f"{name}_{part}" for part in parts)
    missing = [column for column in columns if column not in table.c]
    if missing:
        raise TypeError(
            f"table {table.name} has no column {', '.join(missing)} for {model.__name__}.{name}"
        )

    def flatten(record: Any, row: dict[str, Any]) -> None:
        value = getattr(record, name)
        for part, column in zip(parts, columns, strict=True):
            item = getattr(value, part)
            row[column] = item.value if isinstance(item, Enum) else item

    def unflatten(row: Row, data: dict[str, Any]) -> None:
        data[name] = {part: row[column] for part, column in zip(parts, columns, strict=True)}

    return _FieldPlan(flatten, unflatten, columns)


SITE_MAPPING: RecordMapping[Site] = RecordMapping("site", Site, tables.SITES)

MAPPINGS: dict[RecordKind, RecordMapping[Any]] = {
    RecordKind(mapping.kind): mapping
    for mapping in (
        RecordMapping(RecordKind.PATIENT, Patient, tables.PATIENTS),
        RecordMapping(
            RecordKind.IDENTIFIERS,
            PatientIdentifiers,
            tables.PATIENT_IDENTIFIERS,
            key_column="patient_id",
        ),
        RecordMapping(RecordKind.CONSENTS, Consent, tables.CONSENTS),
        RecordMapping(RecordKind.LAB_RESULTS, LabResult, tables.LAB_RESULTS),
        RecordMapping(RecordKind.COMORBIDITIES, Comorbidity, tables.COMORBIDITIES),
        RecordMapping(RecordKind.GENETIC_MARKERS, GeneticMarker, tables.GENETIC_MARKERS),
        RecordMapping(RecordKind.VISITS, Visit, tables.VISITS, children_field="assessments"),
        RecordMapping(
            RecordKind.ASSESSMENTS,
            Assessment,
            tables.ASSESSMENTS,
            parent=RecordKind.VISITS,
            parent_column="visit_id",
        ),
        RecordMapping(RecordKind.MEDICATION_COURSES, MedicationCourse, tables.MEDICATION_COURSES),
        RecordMapping(RecordKind.ADMINISTRATIONS, Administration, tables.ADMINISTRATIONS),
        RecordMapping(
            RecordKind.PUMPS, IntrathecalPump, tables.ITB_PUMPS, children_field="refills"
        ),
        RecordMapping(
            RecordKind.PUMP_REFILLS,
            PumpRefill,
            tables.ITB_PUMP_REFILLS,
            parent=RecordKind.PUMPS,
            parent_column="pump_id",
        ),
        RecordMapping(RecordKind.PROCEDURES, Procedure, tables.PROCEDURES),
        RecordMapping(RecordKind.NON_DRUG_THERAPIES, NonDrugTherapy, tables.NON_DRUG_THERAPIES),
        RecordMapping(RecordKind.ADVERSE_EVENTS, AdverseEvent, tables.ADVERSE_EVENTS),
        RecordMapping(RecordKind.DIARY_ENTRIES, DiaryEntry, tables.DIARY_ENTRIES),
    )
}
"""Every stored kind of patient data, keyed by kind."""

SECTION_KINDS: tuple[RecordKind, ...] = tuple(RecordKind(section) for section in RECORD_SECTIONS)
"""Kinds held directly in a ``PatientRecord`` tuple (its ``RECORD_SECTIONS``), in record order."""

CHILD_KINDS: dict[RecordKind, RecordKind] = {
    kind: mapping.parent for kind, mapping in MAPPINGS.items() if mapping.parent is not None
}
"""Nested kinds and the kind of their parent."""
