"""What the monitoring rules read about each patient, as plain rows (the lean loader).

Evaluating the rules for a whole registry must not build full, validated ``PatientRecord`` objects
(about 40 patients a second): the rules read a few columns of a few tables. This module reads
exactly those columns, one query per table per batch of patients, within the actor's scope, and
returns plain named tuples grouped per patient. Identifiers, consents, procedures, adverse events
and free text are never read. Turning the rows into a monitoring timeline is the job of the layer
above (``spsreg.services``): the store does not know the monitoring package.

Rows come back in the order the whole-record loader uses (patient, then ``position``), so a
timeline built from them equals the one built from the loaded record. The diary, by far the
largest table, can be limited to a window of days (``diary_from`` .. ``diary_to``): the rules only
look back a bounded number of days from the evaluation date.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, Text, case, cast, select

from spsreg.store.scope import Actor, patient_scope
from spsreg.store.tables import (
    ADMINISTRATIONS,
    ASSESSMENTS,
    COMORBIDITIES,
    DIARY_ENTRIES,
    ITB_PUMP_REFILLS,
    ITB_PUMPS,
    LAB_RESULTS,
    MEDICATION_COURSES,
    PATIENTS,
    VISITS,
)

__all__ = [
    "COURSE_DOSE_COLUMNS",
    "AdministrationRow",
    "AssessmentRead",
    "AssessmentRow",
    "ComorbidityRow",
    "CourseRow",
    "DiaryRow",
    "LabRow",
    "PatientTimelineRows",
    "PumpRow",
    "RefillRow",
    "in_record_order",
    "load_timeline_rows",
    "scoped_patient_rows",
]


_COURSE = MEDICATION_COURSES.c
COURSE_DOSE_COLUMNS = (
    _COURSE.id,
    _COURSE.drug_id,
    _COURSE.route,
    _COURSE.intent,
    _COURSE.schedule,
    _COURSE.dose_value,
    _COURSE.dose_unit,
    _COURSE.times_per_period,
    _COURSE.period_days,
    _COURSE.course_days,
    _COURSE.weight_kg,
    _COURSE.start_date,
    _COURSE.stop_date,
    _COURSE.stop_reason,
    _COURSE.previous_course_id,
)
"""The columns of a medication course that dose computations read (:class:`CourseRow`)."""


class CourseRow(NamedTuple):
    id: str
    drug_id: str
    route: str
    intent: str
    schedule: str
    dose_value: float
    dose_unit: str
    times_per_period: int | None
    period_days: int | None
    course_days: int | None
    weight_kg: float | None
    start_date: date
    stop_date: date | None
    stop_reason: str | None
    previous_course_id: str | None


class AdministrationRow(NamedTuple):
    course_id: str
    given_on: date
    day_of_cycle: int | None


class LabRow(NamedTuple):
    analyte: str
    collected_on: date
    value: float | None
    unit: str | None
    qualitative: str | None


class AssessmentRow(NamedTuple):
    """One scale at one visit; the responses as the stored JSON text, decoded only if needed."""

    scale_id: str
    visit_date: date
    responses_json: str


@dataclass(frozen=True)
class AssessmentRead:
    """What a rule reads of one scale: its ``latest`` assessments on or before the evaluation
    date (most recent last), counting only those that hold a number for ``item_id`` when one is
    named, whose responses are then read too."""

    scale_id: str
    latest: int
    item_id: str | None = None


class RefillRow(NamedTuple):
    refilled_on: date
    volume_ml: float
    concentration_mcg_per_ml: float
    daily_dose_mcg: float
    alarm_date: date | None


class PumpRow(NamedTuple):
    id: str
    implanted_on: date
    removed_on: date | None
    reservoir_volume_ml: float
    refills: tuple[RefillRow, ...]


class ComorbidityRow(NamedTuple):
    kind: str
    diagnosed_on: date | None
    resolved_on: date | None


class DiaryRow(NamedTuple):
    entry_date: date
    sedation: int | None
    falls: int | None


@dataclass
class PatientTimelineRows:
    """One patient's rows for the monitoring rules, each section in record order."""

    patient_id: str
    site_id: str
    birth_year_month: str
    date_of_death: date | None
    first_contact_date: date | None
    first_visit_date: date | None = None
    courses: list[CourseRow] = field(default_factory=list)
    administrations: list[AdministrationRow] = field(default_factory=list)
    labs: list[LabRow] = field(default_factory=list)
    assessments: list[AssessmentRow] = field(default_factory=list)
    pumps: list[PumpRow] = field(default_factory=list)
    comorbidities: list[ComorbidityRow] = field(default_factory=list)
    diary: list[DiaryRow] = field(default_factory=list)


_PATIENT_COLUMNS = (
    PATIENTS.c.id,
    PATIENTS.c.site_id,
    PATIENTS.c.birth_year_month,
    PATIENTS.c.date_of_death,
    PATIENTS.c.first_contact_date,
)


def scoped_patient_rows(
    connection: Connection,
    actor: Actor,
    *,
    site_id: str | None,
    after: str | None = None,
    limit: int | None = None,
    patient_ids: Sequence[str] | None = None,
    columns: Sequence[Any] = _PATIENT_COLUMNS,
) -> list[tuple[Any, ...]]:
    """Rows of ``columns`` (the patient id first) of the patients in scope, ordered by id in
    character-code order: those after the id ``after`` (keyset pagination, at most ``limit``),
    optionally of one site and among ``patient_ids`` only."""
    # Ids in plain character-code order on both databases (as Python sorts them): PostgreSQL
    # would otherwise sort by the database's locale.
    patient_id: Any = PATIENTS.c.id
    if connection.dialect.name == "postgresql":
        patient_id = patient_id.collate("C")
    query = select(*columns).where(patient_scope(actor))
    if site_id is not None:
        query = query.where(PATIENTS.c.site_id == site_id)
    if after is not None:
        query = query.where(patient_id > after)
    if patient_ids is not None:
        query = query.where(PATIENTS.c.id.in_(list(patient_ids)))
    query = query.order_by(patient_id)
    if limit is not None:
        query = query.limit(limit)
    return [tuple(row) for row in connection.execute(query)]


def load_timeline_rows(
    connection: Connection,
    patient_rows: Sequence[tuple[Any, ...]],
    *,
    diary_from: date | None = None,
    diary_to: date | None = None,
    lab_analytes: Collection[str] | None = None,
    assessment_reads: Sequence[AssessmentRead] | None = None,
    assessments_to: date | None = None,
) -> list[PatientTimelineRows]:
    """The rows of a batch of patients (rows of :func:`scoped_patient_rows`), one query per
    table: diary entries only from ``diary_from`` to ``diary_to`` inclusive (None: unbounded);
    labs only of ``lab_analytes`` (None: all); assessments only as ``assessment_reads`` ask, on
    or before ``assessments_to`` (None for both: every assessment, with its responses)."""
    if not patient_rows:
        return []
    by_id = {row[0]: PatientTimelineRows(*row) for row in patient_rows}
    ids = list(by_id)

    def rows(query: Select[Any]) -> Iterator[Any]:
        return iter(connection.execute(query))

    visit = VISITS.c
    visits: dict[str, tuple[date, int]] = {}
    for patient_id, visit_id, visit_date, position in rows(
        select(visit.patient_id, visit.id, visit.visit_date, visit.position).where(
            visit.patient_id.in_(ids)
        )
    ):
        visits[visit_id] = (visit_date, position)
        patient = by_id[patient_id]
        if patient.first_visit_date is None or visit_date < patient.first_visit_date:
            patient.first_visit_date = visit_date
    for patient_id, *values in rows(
        in_record_order(
            select(MEDICATION_COURSES.c.patient_id, *COURSE_DOSE_COLUMNS),
            MEDICATION_COURSES,
            ids,
        )
    ):
        by_id[patient_id].courses.append(CourseRow(*values))
    given = ADMINISTRATIONS.c
    for patient_id, *values in rows(
        in_record_order(
            select(given.patient_id, given.course_id, given.given_on, given.day_of_cycle),
            ADMINISTRATIONS,
            ids,
        )
    ):
        by_id[patient_id].administrations.append(AdministrationRow(*values))
    lab = LAB_RESULTS.c
    labs = select(
        lab.patient_id, lab.analyte, lab.collected_on, lab.value, lab.unit, lab.qualitative
    )
    if lab_analytes is not None:  # an expression, so SQLite keeps to the patient index
        labs = labs.where(lab.analyte.concat("").in_(sorted(lab_analytes)))
    for patient_id, *values in rows(in_record_order(labs, LAB_RESULTS, ids)):
        by_id[patient_id].labs.append(LabRow(*values))
    if assessment_reads is None:
        _all_assessments(connection, by_id, ids)
    else:
        _latest_assessments(connection, by_id, ids, visits, assessment_reads, assessments_to)
    refill = ITB_PUMP_REFILLS.c
    refills: dict[str, list[RefillRow]] = defaultdict(list)
    for pump_id, *values in rows(
        select(
            refill.pump_id,
            refill.refilled_on,
            refill.volume_ml,
            refill.concentration_mcg_per_ml,
            refill.daily_dose_mcg,
            refill.alarm_date,
        )
        .where(refill.patient_id.in_(ids))
        .order_by(refill.pump_id, refill.position, refill.id)
    ):
        refills[pump_id].append(RefillRow(*values))
    pump = ITB_PUMPS.c
    for patient_id, pump_id, implanted_on, removed_on, reservoir_ml in rows(
        in_record_order(
            select(
                pump.patient_id,
                pump.id,
                pump.implanted_on,
                pump.removed_on,
                pump.reservoir_volume_ml,
            ),
            ITB_PUMPS,
            ids,
        )
    ):
        by_id[patient_id].pumps.append(
            PumpRow(
                pump_id, implanted_on, removed_on, reservoir_ml, tuple(refills.get(pump_id, ()))
            )
        )
    comorbidity = COMORBIDITIES.c
    for patient_id, *values in rows(
        in_record_order(
            select(
                comorbidity.patient_id,
                comorbidity.kind,
                comorbidity.diagnosed_on,
                comorbidity.resolved_on,
            ),
            COMORBIDITIES,
            ids,
        )
    ):
        by_id[patient_id].comorbidities.append(ComorbidityRow(*values))
    diary = DIARY_ENTRIES.c
    query = select(diary.patient_id, diary.entry_date, diary.sedation, diary.falls).where(
        diary.patient_id.in_(ids)
    )
    if diary_from is not None:
        query = query.where(diary.entry_date >= diary_from)
    if diary_to is not None:
        query = query.where(diary.entry_date <= diary_to)
    for patient_id, *values in rows(query.order_by(diary.patient_id, diary.entry_date)):
        by_id[patient_id].diary.append(DiaryRow(*values))
    return list(by_id.values())


def _all_assessments(
    connection: Connection, by_id: dict[str, PatientTimelineRows], ids: list[str]
) -> None:
    """Every assessment of the batch, in record order, with its responses."""
    assessment, visit = ASSESSMENTS.c, VISITS.c
    query = (
        select(
            assessment.patient_id,
            assessment.scale_id,
            visit.visit_date,
            cast(assessment.responses, Text),
        )
        .join_from(ASSESSMENTS, VISITS, assessment.visit_id == visit.id)
        .where(assessment.patient_id.in_(ids))
        .order_by(assessment.patient_id, visit.position, assessment.position, assessment.id)
    )
    for patient_id, *values in connection.execute(query):
        by_id[patient_id].assessments.append(AssessmentRow(*values))


def _latest_assessments(
    connection: Connection,
    by_id: dict[str, PatientTimelineRows],
    ids: list[str],
    visits: Mapping[str, tuple[date, int]],
    reads: Sequence[AssessmentRead],
    on_or_before: date | None,
) -> None:
    """The assessments each read asks for (its latest ones per patient), merged per patient and
    put back in record order; responses only of the scales some read takes an item from.

    Visits carry several scales for years, and the rules look at the last one or two of a few
    scales. The visit of each assessment is looked up in memory (the batch's visits are few)
    rather than joined row by row, and a response document is decoded only while looking for
    the latest assessments holding the item. ``visits``: the batch's visit id -> (date,
    position).
    """
    assessment = ASSESSMENTS.c
    scales = sorted({read.scale_id for read in reads})
    with_responses = sorted({read.scale_id for read in reads if read.item_id is not None})
    responses = case(
        (assessment.scale_id.in_(with_responses), cast(assessment.responses, Text)),
        else_=None,
    )
    # `scale_id || ''`: an expression, so SQLite reads through the patient index instead of
    # the scale index (which would read every patient's assessments of the scale).
    query = select(
        assessment.patient_id,
        assessment.id,
        assessment.scale_id,
        assessment.visit_id,
        assessment.position,
        responses,
    ).where(assessment.patient_id.in_(ids), assessment.scale_id.concat("").in_(scales))
    candidates: dict[tuple[str, str], list[_Candidate]] = defaultdict(list)
    for patient_id, assessment_id, scale_id, visit_id, position, text in connection.execute(query):
        visit_date, visit_position = visits[visit_id]
        if on_or_before is None or visit_date <= on_or_before:
            candidates[(patient_id, scale_id)].append(
                _Candidate(visit_date, visit_position, position, assessment_id, scale_id, text)
            )
    chosen: dict[str, dict[str, _Candidate]] = defaultdict(dict)
    for (patient_id, scale_id), found in candidates.items():
        found.sort()  # as the rules see them: by date, then in record order
        for read in reads:
            if read.scale_id != scale_id:
                continue
            taken = 0
            for candidate in reversed(found):
                if taken == read.latest:
                    break
                if read.item_id is None or _holds_number(candidate.responses, read.item_id):
                    chosen[patient_id][candidate.assessment_id] = candidate
                    taken += 1
    for patient_id, assessments in chosen.items():
        in_record_order = sorted(
            assessments.values(), key=lambda c: (c.visit_position, c.position, c.assessment_id)
        )
        by_id[patient_id].assessments.extend(
            AssessmentRow(c.scale_id, c.visit_date, c.responses or "{}") for c in in_record_order
        )


class _Candidate(NamedTuple):
    visit_date: date
    visit_position: int
    position: int
    assessment_id: str
    scale_id: str
    responses: str | None


def _holds_number(responses: str | None, item_id: str) -> bool:
    """Whether the stored responses hold a number (not a boolean, text or null) for the item,
    as the rules keep numeric responses only."""
    if responses is None:
        return False
    value = json.loads(responses).get(item_id)
    return isinstance(value, int | float) and not isinstance(value, bool)


def in_record_order(query: Select[Any], table: Any, ids: Sequence[str]) -> Select[Any]:
    """``query`` limited to the batch's patients, in record order (patient, position, id)."""
    return query.where(table.c.patient_id.in_(ids)).order_by(
        table.c.patient_id, table.c.position, table.c.id
    )
