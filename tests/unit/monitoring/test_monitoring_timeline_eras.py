"""The timeline's lean eras equal the domain's dose eras, and the timeline indexes what it holds."""

from __future__ import annotations

from datetime import date

import pytest

from spsreg.domain.exposure import dose_eras
from spsreg.monitoring import timeline_from_record
from spsreg.synth import CohortConfig, iter_synthetic_patients

PATIENTS = list(iter_synthetic_patients(CohortConfig(patients=25, seed=4242)))


@pytest.mark.parametrize("patient", PATIENTS, ids=[p.record.patient.id for p in PATIENTS])
def test_eras_match_the_domain_exposure_module(patient: object) -> None:
    record = patient.record  # type: ignore[attr-defined]
    timeline = timeline_from_record(record)
    for (drug_id, route), eras in timeline.eras.items():
        domain = dose_eras(record.medication_courses, drug_id, route)
        lean = [(e.start, e.stop, e.daily, e.unit, set(e.course_ids)) for e in eras]
        expected = [
            (e.start_date, e.stop_date, e.daily_dose, e.unit, set(e.course_ids)) for e in domain
        ]
        assert lean == expected


def test_timeline_indexes_labs_and_diary_by_date() -> None:
    record = next(p.record for p in PATIENTS if p.record.diary_entries)
    timeline = timeline_from_record(record)
    assert len(timeline.diary) == len(record.diary_entries)
    for analyte, dates in timeline.lab_dates.items():
        assert list(dates) == sorted(
            r.collected_on for r in record.lab_results if r.analyte == analyte
        )
    first = record.diary_entries[0].entry_date
    assert len(timeline.diary.window(first, first)) == 1
    assert timeline.last_lab_on_or_before("glucose", date(1900, 1, 1)) is None
