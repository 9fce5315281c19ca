"""What outcome analytics read about each patient, as plain rows (the columnar loader).

Cohort analyses (treatment response, survival, mixed models) run over tidy tables of thousands of
patients with years of daily diaries; building validated ``PatientRecord`` objects for them would
take minutes. This module reads exactly the columns the analysis frames need, one query per table
per batch of patients, within the actor's scope, and returns plain tuples table by table (their
columns are named by the ``*_COLUMNS`` constants). Turning them into frames is the job of the layer
above (``spsreg.services.analytics``): the store does not know the analysis package.

What is never read, whoever asks: identifiers (``patient_identifiers``), free text (details,
laboratory names, device names), consents, genetic markers, and the birth month (only the birth
year leaves the store). So every actor, researchers included, gets de-identified rows keyed by the
registry's patient id and pseudonym; the actor's scope decides which patients are read.

Facts dated after ``as_of`` are left in the database: visits, diary entries, labs,
administrations, procedure starts and adverse-event onsets after it are not read (a stop, end or
resolution date after it is read as stored, for the layer above to censor). Medication courses are
the exception: every course is read, so that a dose-change chain or an administration always finds
the course it names; the layer above drops the courses that start after ``as_of``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, Text, cast, func, select

from spsreg.store.scope import Actor
from spsreg.store.tables import (
    ADMINISTRATIONS,
    ADVERSE_EVENTS,
    ASSESSMENTS,
    COMORBIDITIES,
    DIARY_ENTRIES,
    LAB_RESULTS,
    MEDICATION_COURSES,
    PATIENTS,
    PROCEDURES,
    VISITS,
)
from spsreg.store.timeline_rows import (
    COURSE_DOSE_COLUMNS,
    in_record_order,
    scoped_patient_rows,
)

__all__ = [
    "ADMINISTRATION_COLUMNS",
    "ADVERSE_EVENT_COLUMNS",
    "ASSESSMENT_COLUMNS",
    "COMORBIDITY_COLUMNS",
    "COURSE_COLUMNS",
    "DIARY_COLUMNS",
    "LAB_COLUMNS",
    "LAST_LAB_COLUMNS",
    "PATIENT_COLUMNS",
    "PROCEDURE_COLUMNS",
    "VISIT_COLUMNS",
    "AnalysisRows",
    "load_analysis_rows",
    "scoped_analysis_patients",
]

Row = tuple[Any, ...]

PATIENT_COLUMNS = (
    "patient_id",
    "pseudonym",
    "site_id",
    "sex",
    "birth_year",
    "phenotype",
    "onset_date",
    "diagnosis_date",
    "first_contact_date",
    "date_of_death",
    "vital_status",
)
"""Columns of :attr:`AnalysisRows.patients` (``birth_year``: an int; the month is not read)."""

VISIT_COLUMNS = ("patient_id", "visit_id", "visit_date")
ASSESSMENT_COLUMNS = (
    "patient_id",
    "assessment_id",
    "visit_id",
    "scale_id",
    "scale_version",
    "responses_json",
)
"""Assessments of the requested scales; ``responses_json`` is the stored JSON text. Their visits
are in :attr:`AnalysisRows.visits` (those on or before ``as_of``); an assessment whose visit is
after ``as_of`` is not read."""
DIARY_COLUMNS = ("patient_id", "entry_date", "stiffness", "spasm_count")
LAB_COLUMNS = (
    "patient_id",
    "lab_id",
    "analyte",
    "collected_on",
    "specimen",
    "method",
    "value",
    "unit",
    "qualitative",
    "titre_denominator",
)
LAST_LAB_COLUMNS = ("patient_id", "collected_on")
"""The latest collection date of any lab result on or before ``as_of``, one row per patient."""
COURSE_COLUMNS = (
    "patient_id",
    "course_id",
    "drug_id",
    "route",
    "intent",
    "schedule",
    "dose_value",
    "dose_unit",
    "times_per_period",
    "period_days",
    "course_days",
    "weight_kg",
    "start_date",
    "stop_date",
    "stop_reason",
    "previous_course_id",
)
ADMINISTRATION_COLUMNS = ("patient_id", "administration_id", "course_id", "given_on")
PROCEDURE_COLUMNS = ("patient_id", "procedure_id", "kind", "start_date", "end_date")
ADVERSE_EVENT_COLUMNS = (
    "patient_id",
    "event_id",
    "term",
    "grade",
    "onset_date",
    "resolved_date",
    "serious",
    "suspected_course_ids",
)
"""``suspected_course_ids``: a list of course ids (decoded from the stored JSON)."""
COMORBIDITY_COLUMNS = ("patient_id", "comorbidity_id", "kind", "diagnosed_on", "resolved_on")


@dataclass
class AnalysisRows:
    """One batch of patients' rows for analysis, table by table, each a list of plain tuples in
    the order of its ``*_COLUMNS`` constant, sorted by patient and then in record order (the
    diary by date)."""

    patients: list[Row]
    visits: list[Row] = field(default_factory=list)
    assessments: list[Row] = field(default_factory=list)
    diary: list[Row] = field(default_factory=list)
    labs: list[Row] = field(default_factory=list)
    last_lab: list[Row] = field(default_factory=list)
    courses: list[Row] = field(default_factory=list)
    administrations: list[Row] = field(default_factory=list)
    procedures: list[Row] = field(default_factory=list)
    adverse_events: list[Row] = field(default_factory=list)
    comorbidities: list[Row] = field(default_factory=list)


_PATIENT_SELECT = (
    PATIENTS.c.id,
    PATIENTS.c.pseudonym,
    PATIENTS.c.site_id,
    PATIENTS.c.sex,
    PATIENTS.c.birth_year_month,
    PATIENTS.c.phenotype,
    PATIENTS.c.onset_date,
    PATIENTS.c.diagnosis_date,
    PATIENTS.c.first_contact_date,
    PATIENTS.c.date_of_death,
    PATIENTS.c.vital_status,
)


def scoped_analysis_patients(
    connection: Connection,
    actor: Actor,
    *,
    site_id: str | None,
    after: str | None = None,
    limit: int | None = None,
    patient_ids: Sequence[str] | None = None,
) -> list[Row]:
    """Patient rows in scope (:data:`PATIENT_COLUMNS`, birth year only), as
    :func:`spsreg.store.timeline_rows.scoped_patient_rows` selects them."""
    selected = scoped_patient_rows(
        connection,
        actor,
        site_id=site_id,
        after=after,
        limit=limit,
        patient_ids=patient_ids,
        columns=_PATIENT_SELECT,
    )
    return [
        (patient_id, pseudonym, site, sex, int(birth_year_month[:4]), *rest)
        for patient_id, pseudonym, site, sex, birth_year_month, *rest in selected
    ]


def load_analysis_rows(
    connection: Connection,
    patient_rows: Sequence[Row],
    *,
    as_of: date,
    scale_ids: Collection[str],
    lab_analytes: Collection[str],
    with_diary: bool = True,
) -> AnalysisRows:
    """The rows of a batch of patients (rows of :func:`scoped_analysis_patients`), one query per
    table: assessments of ``scale_ids`` only, labs of ``lab_analytes`` only (and the latest date
    of any lab), diary entries unless ``with_diary`` is False, and no fact dated after ``as_of``
    (every medication course, see above)."""
    batch = AnalysisRows(patients=list(patient_rows))
    if not patient_rows:
        return batch
    ids = [row[0] for row in patient_rows]

    def fetch(query: Select[Any]) -> list[Row]:
        return [tuple(row) for row in connection.execute(query)]

    visit = VISITS.c
    batch.visits = fetch(
        in_record_order(
            select(visit.patient_id, visit.id, visit.visit_date).where(visit.visit_date <= as_of),
            VISITS,
            ids,
        )
    )
    batch.assessments = _assessments(connection, ids, batch.visits, scale_ids)
    diary = DIARY_ENTRIES.c
    if with_diary:
        batch.diary = fetch(
            select(diary.patient_id, diary.entry_date, diary.stiffness, diary.spasm_count)
            .where(diary.patient_id.in_(ids), diary.entry_date <= as_of)
            .order_by(diary.patient_id, diary.entry_date)
        )
    lab = LAB_RESULTS.c
    batch.labs = fetch(
        in_record_order(
            select(
                lab.patient_id,
                lab.id,
                lab.analyte,
                lab.collected_on,
                lab.specimen,
                lab.method,
                lab.value,
                lab.unit,
                lab.qualitative,
                lab.titre_denominator,
            ).where(
                # An expression, so SQLite keeps to the patient index (see timeline_rows).
                lab.analyte.concat("").in_(sorted(lab_analytes)),
                lab.collected_on <= as_of,
            ),
            LAB_RESULTS,
            ids,
        )
    )
    batch.last_lab = fetch(
        select(lab.patient_id, func.max(lab.collected_on))
        .where(lab.patient_id.in_(ids), lab.collected_on <= as_of)
        .group_by(lab.patient_id)
        .order_by(lab.patient_id)
    )
    batch.courses = fetch(
        in_record_order(
            select(MEDICATION_COURSES.c.patient_id, *COURSE_DOSE_COLUMNS),
            MEDICATION_COURSES,
            ids,
        )
    )
    given = ADMINISTRATIONS.c
    batch.administrations = fetch(
        in_record_order(
            select(given.patient_id, given.id, given.course_id, given.given_on).where(
                given.given_on <= as_of
            ),
            ADMINISTRATIONS,
            ids,
        )
    )
    procedure = PROCEDURES.c
    batch.procedures = fetch(
        in_record_order(
            select(
                procedure.patient_id,
                procedure.id,
                procedure.kind,
                procedure.start_date,
                procedure.end_date,
            ).where(procedure.start_date <= as_of),
            PROCEDURES,
            ids,
        )
    )
    event = ADVERSE_EVENTS.c
    batch.adverse_events = fetch(
        in_record_order(
            select(
                event.patient_id,
                event.id,
                event.term,
                event.grade,
                event.onset_date,
                event.resolved_date,
                event.serious,
                event.suspected_course_ids,
            ).where(event.onset_date <= as_of),
            ADVERSE_EVENTS,
            ids,
        )
    )
    comorbidity = COMORBIDITIES.c
    batch.comorbidities = fetch(
        in_record_order(
            select(
                comorbidity.patient_id,
                comorbidity.id,
                comorbidity.kind,
                comorbidity.diagnosed_on,
                comorbidity.resolved_on,
            ),
            COMORBIDITIES,
            ids,
        )
    )
    return batch


def _assessments(
    connection: Connection, ids: list[str], visits: list[Row], scale_ids: Collection[str]
) -> list[Row]:
    """The batch's assessments of ``scale_ids`` whose visit is among ``visits`` (those on or
    before the analysis date), in record order. The visit is looked up in memory rather than
    joined row by row (as in :mod:`spsreg.store.timeline_rows`)."""
    if not scale_ids:
        return []
    kept = {row[1] for row in visits}
    assessment = ASSESSMENTS.c
    query = (
        select(
            assessment.patient_id,
            assessment.id,
            assessment.visit_id,
            assessment.scale_id,
            assessment.scale_version,
            cast(assessment.responses, Text),
        )
        .where(
            assessment.patient_id.in_(ids),
            # `scale_id || ''`: SQLite then reads through the patient index, not the scale one.
            assessment.scale_id.concat("").in_(sorted(scale_ids)),
        )
        .order_by(assessment.patient_id, assessment.position, assessment.id)
    )
    return [tuple(row) for row in connection.execute(query) if row[2] in kept]
