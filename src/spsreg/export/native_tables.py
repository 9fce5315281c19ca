"""The CSV tables of the native format, version 1: which table holds which part of a record.

The layout is derived from the domain model. Every field of a record section becomes a column (a
nested value object such as a dose is flattened to ``dose_value`` and ``dose_unit``), and every list
inside a section (a visit's assessments, a pump's refills, an adverse event's suspected courses)
becomes its own long table keyed by ``patient_id`` and the ids of the objects above it. A test checks
that every domain field has exactly one column, so a new field cannot be silently left out.

How a value is spelt in a cell, and which rows a record gives, is in :mod:`spsreg.export.native_cells`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, get_origin

from pydantic import BaseModel

from spsreg.domain.adverse_events import AdverseEvent
from spsreg.domain.assessments import Assessment, Visit
from spsreg.domain.conditions import Comorbidity, GeneticMarker
from spsreg.domain.diary import DiaryDose, DiaryEntry
from spsreg.domain.labs import LabResult
from spsreg.domain.medications import Administration, IntrathecalPump, MedicationCourse, PumpRefill
from spsreg.domain.patient import Consent, Patient, PatientIdentifiers, Site
from spsreg.domain.therapies import NonDrugTherapy, Procedure

__all__ = ["TABLES", "TABLES_BY_NAME", "Column", "Table", "TableKind"]


class TableKind(StrEnum):
    SITES = "sites"  # one row per site; sites are not part of a patient record
    PATIENT = "patient"  # one row per patient: the root of a record
    SINGLE = "single"  # at most one row per patient (identifiers)
    ITEMS = "items"  # one row per object of a list
    VALUES = "values"  # one row per code or id of a list of codes or ids
    RESPONSES = "responses"  # one row per item response of an assessment


@dataclass(frozen=True)
class Column:
    """One column: its name, the domain field it holds, and where a row's object keeps the value.

    ``source`` is the attribute path from the row's object to the value (``("dose", "unit")``), the
    empty path for a table of plain values, or None for a key inherited from a parent object and
    for the columns of an item response, which the writer fills itself.
    """

    name: str
    path: str
    owner: type[BaseModel] | None
    field: str | None
    source: tuple[str, ...] | None = None
    key: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    kind: TableKind
    description: str
    model: type[BaseModel]
    attribute: str  # the field holding the rows on the parent object (or on the record)
    parent: str | None  # the table of the parent object; None when the record holds the rows
    id_column: str | None
    path: str  # domain path of a row's object, e.g. "visits[].assessments[]"
    columns: tuple[Column, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def inherited_keys(self) -> tuple[Column, ...]:
        """Key columns naming the patient and parent objects (filled from the parents)."""
        return tuple(column for column in self.columns if column.key and column.source is None)


def _is_collection(annotation: Any) -> bool:
    return get_origin(annotation) in (tuple, dict)


def _field_columns(model: type[BaseModel], path: str) -> list[Column]:
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if name == "id" or _is_collection(annotation):
            continue  # the id is a key column; lists have tables of their own
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            columns.extend(
                Column(f"{name}_{sub}", f"{path}.{name}.{sub}", annotation, sub, (name, sub))
                for sub in annotation.model_fields
            )
        else:
            columns.append(Column(name, f"{path}.{name}", model, name, (name,)))
    return columns


class _Builder:
    """Collects the tables in order, deriving each one's key columns from its parents."""

    def __init__(self) -> None:
        self.tables: list[Table] = []
        self.by_name: dict[str, Table] = {}

    def _add(self, table: Table) -> None:
        self.tables.append(table)
        self.by_name[table.name] = table

    def _parent_keys(self, parent: str | None) -> list[Column]:
        keys = [Column("patient_id", "patient.id", Patient, "id", key=True)]
        chain: list[Table] = []
        while parent is not None:
            chain.insert(0, self.by_name[parent])
            parent = self.by_name[parent].parent
        for table in chain:
            assert table.id_column is not None, f"{table.name} has children but no id"
            keys.append(Column(table.id_column, f"{table.path}.id", table.model, "id", key=True))
        return keys

    def _row_path(self, attribute: str, parent: str | None) -> str:
        return attribute + "[]" if parent is None else f"{self.by_name[parent].path}.{attribute}[]"

    def sites(self, description: str) -> None:
        own = Column("site_id", "sites[].id", Site, "id", ("id",), key=True)
        self._add(
            Table(
                name="sites",
                kind=TableKind.SITES,
                description=description,
                model=Site,
                attribute="sites",
                parent=None,
                id_column="site_id",
                path="sites[]",
                columns=(own, *_field_columns(Site, "sites[]")),
            )
        )

    def patients(self, description: str) -> None:
        own = Column("patient_id", "patient.id", Patient, "id", ("id",), key=True)
        self._add(
            Table(
                name="patients",
                kind=TableKind.PATIENT,
                description=description,
                model=Patient,
                attribute="patient",
                parent=None,
                id_column="patient_id",
                path="patient",
                columns=(own, *_field_columns(Patient, "patient")),
            )
        )

    def single(self, name: str, model: type[BaseModel], attribute: str, description: str) -> None:
        self._add(
            Table(
                name=name,
                kind=TableKind.SINGLE,
                description=description,
                model=model,
                attribute=attribute,
                parent=None,
                id_column=None,
                path=attribute,
                columns=(*self._parent_keys(None), *_field_columns(model, attribute)),
            )
        )

    def items(
        self,
        name: str,
        model: type[BaseModel],
        attribute: str,
        description: str,
        *,
        id_column: str | None,
        parent: str | None = None,
    ) -> None:
        path = self._row_path(attribute, parent)
        columns = self._parent_keys(parent)
        if id_column is not None:
            columns.append(Column(id_column, f"{path}.id", model, "id", ("id",), key=True))
        columns.extend(_field_columns(model, path))
        self._add(
            Table(
                name=name,
                kind=TableKind.ITEMS,
                description=description,
                model=model,
                attribute=attribute,
                parent=parent,
                id_column=id_column,
                path=path,
                columns=tuple(columns),
            )
        )

    def values(
        self, name: str, attribute: str, value_column: str, description: str, *, parent: str
    ) -> None:
        owner = self.by_name[parent].model
        path = self._row_path(attribute, parent)
        value = Column(value_column, path, owner, attribute, ())
        self._add(
            Table(
                name=name,
                kind=TableKind.VALUES,
                description=description,
                model=owner,
                attribute=attribute,
                parent=parent,
                id_column=None,
                path=path,
                columns=(*self._parent_keys(parent), value),
            )
        )

    def responses(self, name: str, description: str, *, parent: str) -> None:
        owner = self.by_name[parent].model
        parent_path = self.by_name[parent].path
        path = f"{parent_path}.responses"
        columns = (
            *self._parent_keys(parent),
            Column("scale_id", f"{parent_path}.scale_id", owner, "scale_id"),
            Column("scale_version", f"{parent_path}.scale_version", owner, "scale_version"),
            Column("item_id", f"{path} (item id)", owner, "responses"),
            Column("value_type", f"{path} (type of the response)", None, None),
            Column("value", f"{path} (response)", owner, "responses"),
        )
        self._add(
            Table(
                name=name,
                kind=TableKind.RESPONSES,
                description=description,
                model=owner,
                attribute="responses",
                parent=parent,
                id_column=None,
                path=path,
                columns=columns,
            )
        )


def _build_tables() -> tuple[Table, ...]:
    b = _Builder()
    b.sites("Registry centres named by the patients' site_id.")
    b.patients("One row per patient: the pseudonymised patient and the common data elements.")
    b.single(
        "patient_identifiers",
        PatientIdentifiers,
        "identifiers",
        "Identifiable data held by the patient's own site (at most one row per patient).",
    )
    b.items(
        "consents",
        Consent,
        "consents",
        "Consents given, refused or withdrawn.",
        id_column="consent_id",
    )
    b.items(
        "lab_results",
        LabResult,
        "lab_results",
        "Antibody and laboratory results, each with its specimen, assay method and unit.",
        id_column="lab_result_id",
    )
    b.items(
        "comorbidities",
        Comorbidity,
        "comorbidities",
        "Comorbid conditions.",
        id_column="comorbidity_id",
    )
    b.items(
        "genetic_markers",
        GeneticMarker,
        "genetic_markers",
        "Genotyping results such as HLA alleles.",
        id_column="genetic_marker_id",
    )
    b.items("visits", Visit, "visits", "Clinic visits.", id_column="visit_id")
    b.items(
        "assessments",
        Assessment,
        "assessments",
        "Standardized assessments administered at a visit (scale and version).",
        id_column="assessment_id",
        parent="visits",
    )
    b.responses(
        "assessment_responses",
        "One row per item response of an assessment; value_type keeps the response's "
        "type (a number stays a number, an unanswered item stays unanswered).",
        parent="assessments",
    )
    b.items(
        "medication_courses",
        MedicationCourse,
        "medication_courses",
        "Medication courses: one dosing regimen of one drug from its start to its stop.",
        id_column="course_id",
    )
    b.items(
        "administrations",
        Administration,
        "administrations",
        "Single given doses of a course (e.g. one infusion).",
        id_column="administration_id",
    )
    b.items(
        "itb_pumps", IntrathecalPump, "pumps", "Intrathecal baclofen pumps.", id_column="pump_id"
    )
    b.items(
        "itb_pump_refills",
        PumpRefill,
        "refills",
        "Refills and reprogramming of a pump.",
        id_column="refill_id",
        parent="itb_pumps",
    )
    b.items(
        "procedures",
        Procedure,
        "procedures",
        "Procedures and series of sessions (plasma exchange, HSCT, CAR-T, ...).",
        id_column="procedure_id",
    )
    b.items(
        "non_drug_therapies",
        NonDrugTherapy,
        "non_drug_therapies",
        "Non-drug therapies such as physical therapy.",
        id_column="therapy_id",
    )
    b.items(
        "adverse_events",
        AdverseEvent,
        "adverse_events",
        "Adverse events, graded 1 to 5.",
        id_column="adverse_event_id",
    )
    b.values(
        "adverse_event_suspected_courses",
        "suspected_course_ids",
        "course_id",
        "Medication courses suspected of causing an adverse event (one row per course).",
        parent="adverse_events",
    )
    b.items(
        "diary_entries",
        DiaryEntry,
        "diary_entries",
        "Patient symptom diary, one entry per patient per day.",
        id_column="diary_entry_id",
    )
    b.values(
        "diary_triggers",
        "triggers",
        "trigger",
        "Spasm triggers noted in a diary entry (one row per trigger).",
        parent="diary_entries",
    )
    b.items(
        "diary_doses",
        DiaryDose,
        "doses_taken",
        "Doses of a drug taken on a diary day.",
        id_column=None,
        parent="diary_entries",
    )
    return tuple(b.tables)


TABLES: tuple[Table, ...] = _build_tables()
"""The tables in file order: parents before children, so a reader meets a parent first."""

TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}
