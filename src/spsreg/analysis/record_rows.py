"""Collect the rows of the tidy frames from patient records, one record at a time.

The rows of each frame go into plain column lists (one DataFrame is built per frame at the end, by
:func:`spsreg.analysis.frames.frames_from_records`). Scores come from the domain scorer
(:func:`spsreg.domain.scales.score_assessment`), cached by scale, version and responses since the
same answers recur across visits. Dates are collected as proleptic ordinals.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np

from spsreg.analysis.antibody_status import gad65_status, glyr_status
from spsreg.analysis.therapies import therapy_of_course, therapy_of_procedure
from spsreg.domain.assessments import Assessment, ItemResponse
from spsreg.domain.exposure import daily_amount
from spsreg.domain.patient import VitalStatus
from spsreg.domain.record import PatientRecord
from spsreg.domain.scales import ScaleError, score_assessment
from spsreg.knowledge.errors import UnknownDrugError
from spsreg.knowledge.pack import KnowledgePack

__all__ = [
    "OUTCOMES",
    "OUTCOME_SCALES",
    "RecordRows",
    "assessment_total",
    "chain_roots",
    "on_or_before",
]

OUTCOME_SCALES: Mapping[str, str] = MappingProxyType(
    {
        "stiffness_index": "stiffness_index",
        "heightened_sensitivity": "heightened_sensitivity",
        "t25fw": "t25fw",
        "mrs": "mrs",
    }
)
"""Visit outcomes: outcome id -> the scale whose computed total is the outcome's value (the
stiffness index and HSS count positive items, the T25FW total is the mean trial time in seconds,
the mRS total is the grade)."""

OUTCOMES: tuple[str, ...] = (*OUTCOME_SCALES, "diary_stiffness", "diary_spasms")
"""Every outcome id of the outcomes frame (all are lower-is-better)."""

_OUTCOME_OF_SCALE = {scale: outcome for outcome, scale in OUTCOME_SCALES.items()}


@functools.lru_cache(maxsize=200_000)
def _cached_total(
    scale_id: str, version: str, items: tuple[tuple[str, ItemResponse], ...]
) -> float | None:
    assessment = Assessment(
        id="score-cache", scale_id=scale_id, scale_version=version, responses=dict(items)
    )
    try:
        return score_assessment(assessment).total
    except ScaleError:
        return None


def assessment_total(assessment: Assessment) -> float | None:
    """The scale total of an assessment; None when missing items or invalid responses prevent it."""
    items = tuple(sorted(assessment.responses.items(), key=lambda item: item[0]))
    return _cached_total(assessment.scale_id, assessment.scale_version, items)


def on_or_before(day: date | None, as_of: date) -> date | None:
    """``day`` when it is known by ``as_of``; None for a day not recorded or after it."""
    return day if day is not None and day <= as_of else None


def chain_roots(previous: Mapping[str, str | None]) -> dict[str, str]:
    """Course id -> the id of the first course of its dose-change chain, from each course's
    ``previous_course_id``."""
    roots: dict[str, str] = {}
    for course_id in previous:
        current, seen = course_id, {course_id}
        while (parent := previous.get(current)) is not None and parent not in seen:
            seen.add(parent)
            current = parent
        roots[course_id] = current
    return roots


class RecordRows:
    """Column lists of every frame, filled record by record."""

    def __init__(
        self, *, as_of: date, pack: KnowledgePack, schemas: Mapping[str, Mapping[str, str]]
    ) -> None:
        self.as_of = as_of
        self.pack = pack
        self.columns: dict[str, dict[str, list[Any]]] = {
            name: {column: [] for column in schema} for name, schema in schemas.items()
        }
        self._drug_classes: dict[str, str | None] = {}
        self.outcome_counts: list[tuple[str, int]] = []  # (patient_id, rows) in arrival order

    def _append(self, name: str, row: Mapping[str, Any]) -> None:
        table = self.columns[name]
        for column, values in table.items():
            values.append(row[column])

    def drug_class(self, drug_id: str) -> str | None:
        if drug_id not in self._drug_classes:
            try:
                self._drug_classes[drug_id] = self.pack.drug(drug_id).drug_class.value
            except UnknownDrugError:
                self._drug_classes[drug_id] = None
        return self._drug_classes[drug_id]

    def add(self, record: PatientRecord) -> None:
        as_of, pid = self.as_of, record.patient.id
        self._add_patient(record)
        self._add_outcomes(record)
        roots = chain_roots({c.id: c.previous_course_id for c in record.medication_courses})
        therapy_of: dict[str, str] = {}
        for course in record.medication_courses:
            therapy = therapy_of_course(course.drug_id, course.route.value)
            therapy_of[course.id] = therapy
            if course.start_date > as_of:
                continue
            amount = daily_amount(course)
            stop = on_or_before(course.stop_date, as_of)
            self._append(
                "courses",
                {
                    "patient_id": pid,
                    "course_id": course.id,
                    "therapy": therapy,
                    "drug_id": course.drug_id,
                    "drug_class": self.drug_class(course.drug_id),
                    "route": course.route.value,
                    "intent": course.intent.value,
                    "schedule": course.schedule.value,
                    "start_date": course.start_date,
                    "stop_date": stop,
                    "stop_reason": None
                    if stop is None or course.stop_reason is None
                    else course.stop_reason.value,
                    "daily_amount": None if amount is None else amount[0],
                    "amount_unit": None if amount is None else amount[1].value,
                    "previous_course_id": course.previous_course_id,
                    "chain_id": roots[course.id],
                },
            )
        self._add_therapy_events(record, therapy_of)
        for event in record.adverse_events:
            if event.onset_date <= as_of:
                self._append(
                    "adverse_events",
                    {
                        "patient_id": pid,
                        "event_id": event.id,
                        "term": event.term,
                        "grade": float(event.grade),
                        "onset_date": event.onset_date,
                        "resolved_date": on_or_before(event.resolved_date, as_of),
                        "serious": event.serious,
                        "suspected_course_ids": tuple(event.suspected_course_ids),
                    },
                )
        for condition in record.comorbidities:
            if condition.diagnosed_on is None or condition.diagnosed_on <= as_of:
                self._append(
                    "comorbidities",
                    {
                        "patient_id": pid,
                        "kind": condition.kind.value,
                        "diagnosed_on": condition.diagnosed_on,
                        "resolved_on": on_or_before(condition.resolved_on, as_of),
                    },
                )

    def _add_therapy_events(self, record: PatientRecord, therapy_of: dict[str, str]) -> None:
        as_of, pid = self.as_of, record.patient.id
        events: list[tuple[str, date, str, str]] = []
        for given in record.administrations:
            if given.given_on <= as_of:
                therapy = therapy_of[given.course_id]
                events.append((therapy, given.given_on, "administration", given.course_id))
        for procedure in record.procedures:
            therapy = therapy_of_procedure(procedure.kind.value)
            if procedure.start_date <= as_of:
                events.append((therapy, procedure.start_date, "procedure_start", procedure.id))
            end = on_or_before(procedure.end_date, as_of)
            if end is not None:
                events.append((therapy, end, "procedure_end", procedure.id))
        table = self.columns["therapy_events"]
        for therapy, day, kind, ref_id in events:
            table["patient_id"].append(pid)
            table["therapy"].append(therapy)
            table["date"].append(day)
            table["kind"].append(kind)
            table["ref_id"].append(ref_id)

    def _add_patient(self, record: PatientRecord) -> None:
        as_of, patient = self.as_of, record.patient
        death = on_or_before(patient.date_of_death, as_of)
        vital = patient.vital_status.value
        if patient.date_of_death is not None and death is None:
            vital = VitalStatus.ALIVE.value  # the death is after the analysis date
        self._append(
            "patients",
            {
                "patient_id": patient.id,
                "site_id": patient.site_id,
                "sex": patient.sex.value,
                "birth_year": float(patient.birth_year_month[:4]),
                "phenotype": None if patient.phenotype is None else patient.phenotype.value,
                "onset_date": on_or_before(patient.onset_date, as_of),
                "diagnosis_date": on_or_before(patient.diagnosis_date, as_of),
                "first_contact_date": on_or_before(patient.first_contact_date, as_of),
                "date_of_death": death,
                "vital_status": vital,
                "follow_up_end": death or self._last_fact(record),
                "gad65_status": gad65_status(record.lab_results, as_of, self.pack),
                "glyr_status": glyr_status(record.lab_results, as_of),
            },
        )

    def _last_fact(self, record: PatientRecord) -> date | None:
        days: list[date | None] = [
            *(v.visit_date for v in record.visits),
            *(e.entry_date for e in record.diary_entries),
            *(c.start_date for c in record.medication_courses),
            *(c.stop_date for c in record.medication_courses),
            *(a.given_on for a in record.administrations),
            *(p.start_date for p in record.procedures),
            *(p.end_date for p in record.procedures),
            *(r.collected_on for r in record.lab_results),
            *(e.onset_date for e in record.adverse_events),
        ]
        known = [day for day in days if day is not None and day <= self.as_of]
        if known:
            return max(known)
        return on_or_before(record.patient.first_contact_date, self.as_of)

    def _add_outcomes(self, record: PatientRecord) -> None:
        """Outcome rows of one patient, already in (outcome, date, source, value) order."""
        as_of, pid = self.as_of, record.patient.id
        blocks: dict[str, list[tuple[int, float]]] = {}
        for visit in record.visits:
            if visit.visit_date > as_of:
                continue
            for assessment in visit.assessments:
                outcome = _OUTCOME_OF_SCALE.get(assessment.scale_id)
                if outcome is None:
                    continue
                total = assessment_total(assessment)
                if total is not None:
                    blocks.setdefault(outcome, []).append((visit.visit_date.toordinal(), total))
        entries = sorted(
            (e for e in record.diary_entries if e.entry_date <= as_of), key=lambda e: e.entry_date
        )
        stiffness: list[tuple[int, float]] = [
            (e.entry_date.toordinal(), e.stiffness) for e in entries if e.stiffness is not None
        ]
        spasms: list[tuple[int, float]] = [
            (e.entry_date.toordinal(), e.spasm_count) for e in entries if e.spasm_count is not None
        ]
        table = self.columns["outcomes"]
        count = 0
        present = [*blocks]
        present += ["diary_stiffness"] if stiffness else []
        present += ["diary_spasms"] if spasms else []
        for outcome in sorted(present):
            if outcome == "diary_stiffness":
                rows, source = stiffness, "diary"
            elif outcome == "diary_spasms":
                rows, source = spasms, "diary"
            else:
                rows, source = sorted(blocks[outcome]), "visit"
            n = len(rows)
            count += n
            table["patient_id"].extend([pid] * n)
            table["outcome"].extend([outcome] * n)
            table["date"].extend(day for day, _ in rows)
            table["value"].extend(float(value) for _, value in rows)
            table["source"].extend([source] * n)
        self.outcome_counts.append((pid, count))

    def outcome_order(self) -> np.ndarray | None:
        """Row permutation putting the outcome rows in patient order (None: already in order)."""
        ids = [pid for pid, _ in self.outcome_counts]
        if all(a <= b for a, b in itertools.pairwise(ids)):
            return None
        rank = {pid: index for index, pid in enumerate(sorted(set(ids)))}
        keys = np.repeat(
            np.array([rank[pid] for pid in ids], dtype=np.int64),
            np.array([n for _, n in self.outcome_counts], dtype=np.int64),
        )
        return np.argsort(keys, kind="stable")
