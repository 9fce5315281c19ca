"""Cohort frames built column by column from the store's analysis rows (no patient records).

The builder behind :func:`spsreg.services.analytics.load_cohort`: each batch of
:class:`~spsreg.store.analysis_rows.AnalysisRows` is turned into the column lists of the tidy
frames with the same derivations as :mod:`spsreg.analysis.record_rows` (the record path): scores
from the domain scorer through the same cache (once per distinct stored answer set), the daily
amount from :func:`spsreg.domain.exposure.daily_amount` (once per regimen), antibody status from
:mod:`spsreg.analysis.antibody_status`, therapies from :mod:`spsreg.analysis.therapies`. Each
frame is then built once with :func:`spsreg.analysis.frames.typed_frame`, so dtypes, column order
and row order are the contract's. The outcomes (daily diaries: millions of rows) are sorted on
integer codes per batch and share one string object per patient and outcome id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from spsreg.analysis.antibody_status import gad65_status, glyr_status
from spsreg.analysis.frames import (
    FRAME_SCHEMAS,
    OUTCOME_SCALES,
    OUTCOMES,
    CohortFrames,
    typed_frame,
)
from spsreg.analysis.record_rows import assessment_total, chain_roots, on_or_before
from spsreg.analysis.therapies import therapy_of_course, therapy_of_procedure
from spsreg.domain.assessments import Assessment
from spsreg.domain.exposure import daily_amount
from spsreg.domain.labs import LabResult, QualitativeResult
from spsreg.domain.medications import (
    Dose,
    DosingSchedule,
    MedicationCourse,
    Route,
    TherapyIntent,
)
from spsreg.domain.units import DoseUnit
from spsreg.knowledge.errors import UnknownDrugError
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.vocabulary import AssayMethod, Specimen
from spsreg.store.analysis_rows import AnalysisRows

__all__ = ["ANTIBODY_ANALYTES", "OUTCOME_SCALE_IDS", "FrameBuilder"]

ANTIBODY_ANALYTES: tuple[str, ...] = ("gad65_antibody", "glyr_antibody")
"""The lab analytes the frames read (for the patients' antibody status)."""

OUTCOME_SCALE_IDS: tuple[str, ...] = tuple(OUTCOME_SCALES.values())
"""The scales whose assessments the frames read (their totals are visit outcomes)."""

_OUTCOME_OF_SCALE = {scale: outcome for outcome, scale in OUTCOME_SCALES.items()}
_OUTCOME_NAMES = np.array(sorted(OUTCOMES), dtype=object)
_OUTCOME_CODE = {str(name): code for code, name in enumerate(_OUTCOME_NAMES)}
_OUTCOME_SOURCES = np.array(
    ["diary" if str(name).startswith("diary_") else "visit" for name in _OUTCOME_NAMES],
    dtype=object,
)


@dataclass
class FrameBuilder:
    """Column lists of every frame, filled batch by batch (outcomes as numpy blocks); the
    registry pseudonym of every patient seen. :meth:`frames` builds the frames at the end."""

    as_of: date
    pack: KnowledgePack
    pseudonyms: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    outcome_blocks: list[dict[str, np.ndarray]] = field(default_factory=list)
    _classes: dict[str, str | None] = field(default_factory=dict)
    _amounts: dict[tuple[Any, ...], tuple[float, DoseUnit] | None] = field(default_factory=dict)
    _scores: dict[tuple[str, str, str], float | None] = field(default_factory=dict)

    def _table(self, name: str, *names: str) -> dict[str, list[Any]]:
        return self.columns.setdefault(name, {column: [] for column in names})

    def _append(self, name: str, row: Mapping[str, Any]) -> None:
        table = self._table(name, *row)
        for column, value in row.items():
            table[column].append(value)

    def add(self, batch: AnalysisRows) -> None:
        as_of = self.as_of
        by_patient = {row[0]: row for row in batch.patients}
        for row in batch.patients:
            self.pseudonyms[row[0]] = row[1]
        self._courses_and_events(batch)
        for pid, event_id, term, grade, onset, resolved, serious, suspected in batch.adverse_events:
            self._append(
                "adverse_events",
                {
                    "patient_id": pid,
                    "event_id": event_id,
                    "term": term,
                    "grade": float(grade),
                    "onset_date": onset,
                    "resolved_date": on_or_before(resolved, as_of),
                    "serious": bool(serious),
                    "suspected_course_ids": tuple(suspected or ()),
                },
            )
        for pid, _, kind, diagnosed_on, resolved_on in batch.comorbidities:
            if diagnosed_on is None or diagnosed_on <= as_of:
                self._append(
                    "comorbidities",
                    {
                        "patient_id": pid,
                        "kind": kind,
                        "diagnosed_on": diagnosed_on,
                        "resolved_on": on_or_before(resolved_on, as_of),
                    },
                )
        self._patients(batch, by_patient)
        self._outcomes(batch)

    # Patients ---------------------------------------------------------------------------------

    def _patients(self, batch: AnalysisRows, by_patient: Mapping[str, tuple[Any, ...]]) -> None:
        as_of = self.as_of
        last: dict[str, date] = {}

        def note(pid: str, day: date | None) -> None:
            if day is not None and day <= as_of and (pid not in last or day > last[pid]):
                last[pid] = day

        for pid, _, visit_date in batch.visits:
            note(pid, visit_date)
        for pid, entry_date, *_ in batch.diary:
            note(pid, entry_date)
        for row in batch.courses:
            note(row[0], row[12])
            note(row[0], row[13])
        for pid, _, _, given_on in batch.administrations:
            note(pid, given_on)
        for pid, _, _, start, end in batch.procedures:
            note(pid, start)
            note(pid, end)
        for pid, collected_on in batch.last_lab:
            note(pid, collected_on)
        for row in batch.adverse_events:
            note(row[0], row[4])
        labs: dict[str, list[LabResult]] = {}
        for (
            pid,
            lab_id,
            analyte,
            collected_on,
            specimen,
            method,
            value,
            unit,
            qual,
            titre,
        ) in batch.labs:
            labs.setdefault(pid, []).append(
                LabResult.model_construct(
                    id=lab_id,
                    analyte=analyte,
                    collected_on=collected_on,
                    specimen=Specimen(specimen),
                    method=AssayMethod(method),
                    value=value,
                    unit=unit,
                    qualitative=None if qual is None else QualitativeResult(qual),
                    titre_denominator=titre,
                    laboratory=None,
                )
            )
        for pid, (
            _,
            _,
            site,
            sex,
            birth_year,
            phenotype,
            onset,
            diagnosis,
            contact,
            death,
            vital,
        ) in by_patient.items():
            shown_death = on_or_before(death, as_of)
            if death is not None and shown_death is None:
                vital = "alive"  # the death is after the analysis date
            results = labs.get(pid, [])
            self._append(
                "patients",
                {
                    "patient_id": pid,
                    "site_id": site,
                    "sex": sex,
                    "birth_year": float(birth_year),
                    "phenotype": phenotype,
                    "onset_date": on_or_before(onset, as_of),
                    "diagnosis_date": on_or_before(diagnosis, as_of),
                    "first_contact_date": on_or_before(contact, as_of),
                    "date_of_death": shown_death,
                    "vital_status": vital,
                    "follow_up_end": shown_death or last.get(pid) or on_or_before(contact, as_of),
                    "gad65_status": gad65_status(results, as_of, self.pack),
                    "glyr_status": glyr_status(results, as_of),
                },
            )

    # Courses and therapy events ---------------------------------------------------------------

    def _drug_class(self, drug_id: str) -> str | None:
        if drug_id not in self._classes:
            try:
                self._classes[drug_id] = self.pack.drug(drug_id).drug_class.value
            except UnknownDrugError:
                self._classes[drug_id] = None
        return self._classes[drug_id]

    def _daily_amount(self, row: tuple[Any, ...]) -> tuple[float, DoseUnit] | None:
        """The domain's own daily amount, computed once per regimen (schedule, dose, unit,
        frequency, period, weight): a registry repeats a few regimens thousands of times."""
        _, course_id, drug_id, route, intent, schedule, value, unit, times, period, days = row[:11]
        weight, start = row[11], row[12]
        regimen = (schedule, value, unit, times, period, weight)
        if regimen not in self._amounts:
            # Stored rows were validated when saved: construct without validating again.
            course = MedicationCourse.model_construct(
                id=course_id,
                drug_id=drug_id,
                route=Route(route),
                intent=TherapyIntent(intent),
                start_date=start,
                schedule=DosingSchedule(schedule),
                dose=Dose.model_construct(value=value, unit=DoseUnit(unit)),
                times_per_period=times,
                period_days=period,
                course_days=days,
                weight_kg=weight,
            )
            self._amounts[regimen] = daily_amount(course)
        return self._amounts[regimen]

    def _courses_and_events(self, batch: AnalysisRows) -> None:
        as_of = self.as_of
        therapy_of: dict[str, str] = {}
        roots = chain_roots({row[1]: row[15] for row in batch.courses})
        for row in batch.courses:
            pid, course_id, drug_id, route, intent, schedule = row[:6]
            start, stop, stop_reason, previous = row[12:16]
            therapy = therapy_of_course(drug_id, route)
            therapy_of[course_id] = therapy
            if start > as_of:
                continue
            amount = self._daily_amount(row)
            shown_stop = on_or_before(stop, as_of)
            self._append(
                "courses",
                {
                    "patient_id": pid,
                    "course_id": course_id,
                    "therapy": therapy,
                    "drug_id": drug_id,
                    "drug_class": self._drug_class(drug_id),
                    "route": route,
                    "intent": intent,
                    "schedule": schedule,
                    "start_date": start,
                    "stop_date": shown_stop,
                    "stop_reason": None if shown_stop is None else stop_reason,
                    "daily_amount": None if amount is None else amount[0],
                    "amount_unit": None if amount is None else amount[1].value,
                    "previous_course_id": previous,
                    "chain_id": roots[course_id],
                },
            )
        for pid, _, course_id, given_on in batch.administrations:
            self._event(pid, therapy_of[course_id], given_on, "administration", course_id)
        for pid, procedure_id, kind, start, end in batch.procedures:
            therapy = therapy_of_procedure(kind)
            self._event(pid, therapy, start, "procedure_start", procedure_id)
            if end is not None and end <= as_of:
                self._event(pid, therapy, end, "procedure_end", procedure_id)

    def _event(self, pid: str, therapy: str, day: date, kind: str, ref_id: str) -> None:
        self._append(
            "therapy_events",
            {"patient_id": pid, "therapy": therapy, "date": day, "kind": kind, "ref_id": ref_id},
        )

    # Outcomes ---------------------------------------------------------------------------------

    def _score(self, scale_id: str, version: str, responses_json: str) -> float | None:
        """The scale total from the domain scorer (via the same cache the record path uses),
        once per distinct stored answer set."""
        key = (scale_id, version, responses_json)
        if key not in self._scores:
            assessment = Assessment.model_construct(
                id="score-cache",
                scale_id=scale_id,
                scale_version=version,
                responses=json.loads(responses_json),
            )
            self._scores[key] = assessment_total(assessment)
        return self._scores[key]

    def _outcomes(self, batch: AnalysisRows) -> None:
        """Outcome rows of the batch, sorted by patient, outcome, date and value (the diary has
        one entry a day, and the visit and diary outcomes have their own ids). Sorted on integer
        codes; the patient and outcome columns then share one string object per id."""
        ids = np.array(sorted(row[0] for row in batch.patients), dtype=object)
        rank = {pid: index for index, pid in enumerate(ids)}
        visit_dates = {visit_id: day for _, visit_id, day in batch.visits}
        patients: list[int] = []
        codes: list[int] = []
        days: list[int] = []
        values: list[float] = []
        for pid, _, visit_id, scale_id, version, responses in batch.assessments:
            total = self._score(scale_id, version, responses)
            if total is not None:
                patients.append(rank[pid])
                codes.append(_OUTCOME_CODE[_OUTCOME_OF_SCALE[scale_id]])
                days.append(visit_dates[visit_id].toordinal())
                values.append(float(total))
        parts = [
            (
                np.array(patients, dtype=np.int64),
                np.array(codes, dtype=np.int64),
                np.array(days, dtype=np.int64),
                np.array(values, dtype=np.float64),
            )
        ]
        if batch.diary:
            diary = pd.DataFrame.from_records(
                batch.diary, columns=["patient_id", "entry_date", "stiffness", "spasm_count"]
            )
            patient_codes = diary["patient_id"].map(rank).to_numpy(dtype=np.int64)
            ordinals = np.fromiter(
                (day.toordinal() for day in diary["entry_date"]), np.int64, len(diary)
            )
            for column, outcome in (
                ("stiffness", "diary_stiffness"),
                ("spasm_count", "diary_spasms"),
            ):
                measured = diary[column].to_numpy(dtype=np.float64, na_value=np.nan)
                present = ~np.isnan(measured)
                parts.append(
                    (
                        patient_codes[present],
                        np.full(int(present.sum()), _OUTCOME_CODE[outcome], dtype=np.int64),
                        ordinals[present],
                        measured[present],
                    )
                )
        patient, code, day, value = (np.concatenate(column) for column in zip(*parts, strict=True))
        if not len(patient):
            return
        order = np.lexsort((value, day, code, patient))
        code = code[order]
        self.outcome_blocks.append(
            {
                "patient_id": ids[patient[order]],
                "outcome": _OUTCOME_NAMES[code],
                "date": day[order],
                "value": value[order],
                "source": _OUTCOME_SOURCES[code],
            }
        )

    def _patient_ordered_blocks(self) -> None:
        """Put the outcome blocks in patient order: batches arrive in id order (the store sorts
        ids by character code, as Python does), so this only guards against another order."""
        firsts = [block["patient_id"][0] for block in self.outcome_blocks]
        if firsts == sorted(firsts) and all(
            a["patient_id"][-1] < b["patient_id"][0]
            for a, b in zip(self.outcome_blocks, self.outcome_blocks[1:], strict=False)
        ):
            return
        merged = {
            column: np.concatenate([block[column] for block in self.outcome_blocks])
            for column in self.outcome_blocks[0]
        }
        order = np.argsort(merged["patient_id"].astype(str), kind="stable")
        self.outcome_blocks = [{column: values[order] for column, values in merged.items()}]

    def frames(self) -> CohortFrames:
        built: dict[str, pd.DataFrame] = {}
        for name, schema in FRAME_SCHEMAS.items():
            if name == "outcomes":
                self._patient_ordered_blocks()
                blocks = self.outcome_blocks
                columns: dict[str, Sequence[Any]] = {
                    column: np.concatenate([b[column] for b in blocks]) if blocks else []  # type: ignore[misc]
                    for column in schema
                }
                built[name] = typed_frame(name, columns, sort=False)
            else:
                empty: dict[str, Sequence[Any]] = {column: [] for column in schema}
                built[name] = typed_frame(name, self.columns.get(name) or empty)
        return CohortFrames(as_of=self.as_of, **built)
