"""Small hand-made CohortFrames for the cohort-evidence tests, typed exactly like the real ones.

Each ``*_row`` function returns one row (a dict) with plausible defaults; :func:`build_frames`
turns lists of rows into a :class:`CohortFrames` through ``typed_frame`` (the frames module's own
dtypes, column order and row order). Dates may be given as ``date`` objects or as day numbers
counted from :data:`DAY0`. The values are test data, not clinical reference values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from spsreg.analysis.frames import FRAME_SCHEMAS, CohortFrames, frames_from_records, typed_frame
from spsreg.synth import CohortConfig, iter_synthetic_patients

__all__ = [
    "DAY0",
    "adverse_event_row",
    "build_frames",
    "comorbidity_row",
    "course_row",
    "day",
    "outcome_row",
    "patient_row",
    "synthetic_frames",
    "therapy_event_row",
]

DAY0 = date(2022, 1, 1)
Day = date | int | None


def day(value: Day) -> date | None:
    """A date from a date or a day number counted from DAY0."""
    if value is None or isinstance(value, date):
        return value
    return DAY0 + timedelta(days=value)


def patient_row(
    patient_id: str,
    *,
    site_id: str = "SITE-A",
    sex: str | None = "female",
    birth_year: float = 1970.0,
    phenotype: str | None = "classic",
    onset_date: Day = date(2018, 1, 1),
    diagnosis_date: Day = date(2019, 1, 1),
    first_contact_date: Day = date(2019, 1, 1),
    date_of_death: Day = None,
    vital_status: str = "alive",
    follow_up_end: Day = 730,
    gad65_status: str | None = "high_titre",
    glyr_status: str | None = "negative",
) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "site_id": site_id,
        "sex": sex,
        "birth_year": birth_year,
        "phenotype": phenotype,
        "onset_date": day(onset_date),
        "diagnosis_date": day(diagnosis_date),
        "first_contact_date": day(first_contact_date),
        "date_of_death": day(date_of_death),
        "vital_status": vital_status,
        "follow_up_end": day(follow_up_end),
        "gad65_status": gad65_status,
        "glyr_status": glyr_status,
    }


def outcome_row(
    patient_id: str, outcome: str, when: Day, value: float, source: str = "visit"
) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "outcome": outcome,
        "date": day(when),
        "value": value,
        "source": source,
    }


def course_row(
    patient_id: str,
    course_id: str,
    therapy: str,
    start: Day,
    stop: Day = None,
    stop_reason: str | None = None,
    *,
    intent: str = "immunotherapy",
    route: str = "iv",
    previous_course_id: str | None = None,
    daily_amount: float = math.nan,
    amount_unit: str | None = None,
) -> dict[str, Any]:
    """A course; ``chain_id`` is filled in by :func:`build_frames` from the previous-course links."""
    return {
        "patient_id": patient_id,
        "course_id": course_id,
        "therapy": therapy,
        "drug_id": therapy,
        "drug_class": None,
        "route": route,
        "intent": intent,
        "schedule": "regular",
        "start_date": day(start),
        "stop_date": day(stop),
        "stop_reason": stop_reason,
        "daily_amount": daily_amount,
        "amount_unit": amount_unit,
        "previous_course_id": previous_course_id,
        "chain_id": None,
    }


def therapy_event_row(
    patient_id: str, therapy: str, when: Day, kind: str, ref_id: str
) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "therapy": therapy,
        "date": day(when),
        "kind": kind,
        "ref_id": ref_id,
    }


def adverse_event_row(
    patient_id: str,
    event_id: str,
    onset: Day,
    *,
    term: str = "Headache",
    grade: float = 1.0,
    resolved: Day = None,
    serious: bool = False,
    suspected_course_ids: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "event_id": event_id,
        "term": term,
        "grade": grade,
        "onset_date": day(onset),
        "resolved_date": day(resolved),
        "serious": serious,
        "suspected_course_ids": suspected_course_ids,
    }


def comorbidity_row(
    patient_id: str, kind: str, diagnosed_on: Day = None, resolved_on: Day = None
) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "kind": kind,
        "diagnosed_on": day(diagnosed_on),
        "resolved_on": day(resolved_on),
    }


def _with_chains(courses: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    previous = {row["course_id"]: row["previous_course_id"] for row in courses}
    filled = []
    for row in courses:
        chain = row["course_id"]
        while previous.get(chain) is not None:
            chain = previous[chain]
        filled.append({**row, "chain_id": chain})
    return filled


def _frame(name: str, rows: Sequence[dict[str, Any]]) -> Any:
    columns = {column: [row[column] for row in rows] for column in FRAME_SCHEMAS[name]}
    return typed_frame(name, columns)


def build_frames(
    as_of: Day = 730,
    *,
    patients: Sequence[dict[str, Any]] = (),
    outcomes: Sequence[dict[str, Any]] = (),
    courses: Sequence[dict[str, Any]] = (),
    therapy_events: Sequence[dict[str, Any]] = (),
    adverse_events: Sequence[dict[str, Any]] = (),
    comorbidities: Sequence[dict[str, Any]] = (),
) -> CohortFrames:
    """CohortFrames from row dicts (see the ``*_row`` helpers)."""
    analysis_date = day(as_of)
    assert analysis_date is not None
    return CohortFrames(
        patients=_frame("patients", patients),
        outcomes=_frame("outcomes", outcomes),
        courses=_frame("courses", _with_chains(courses)),
        therapy_events=_frame("therapy_events", therapy_events),
        adverse_events=_frame("adverse_events", adverse_events),
        comorbidities=_frame("comorbidities", comorbidities),
        as_of=analysis_date,
    )


@lru_cache(maxsize=4)
def synthetic_frames(seed: int = 4711, patients: int = 40, years: int = 3) -> CohortFrames:
    """Frames of a small synthetic cohort (built once per seed and size in a test session)."""
    config = CohortConfig(patients=patients, years=years, seed=seed)
    records = [synthetic.record for synthetic in iter_synthetic_patients(config)]
    return frames_from_records(records, as_of=config.end_date)
