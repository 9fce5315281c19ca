"""Scenario table of the domain model's own consistency rules: each bad input is refused with a
message that names the problem in plain language."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from spsreg.domain import (
    Administration,
    AdverseEvent,
    Consent,
    DiaryEntry,
    IntrathecalPump,
    LabResult,
    MedicationCourse,
    Patient,
    PatientIdentifiers,
    PatientRecord,
    Procedure,
    Visit,
)
from spsreg.domain.units import DoseUnit, UnitMismatchError, to_milligrams

PATIENT: dict[str, Any] = {
    "id": "p1",
    "pseudonym": "SPS-A-0001",
    "site_id": "SITE-A",
    "sex": "female",
    "birth_year_month": "1970-03",
}
DIAZEPAM: dict[str, Any] = {
    "id": "c1",
    "drug_id": "diazepam",
    "route": "oral",
    "intent": "symptomatic",
    "schedule": "regular",
    "dose": {"value": 5, "unit": "mg"},
    "times_per_period": 3,
    "period_days": 1,
    "start_date": date(2020, 1, 1),
}
IVIG: dict[str, Any] = {
    "id": "c2",
    "drug_id": "ivig",
    "route": "iv",
    "intent": "immunotherapy",
    "schedule": "cyclic_course",
    "dose": {"value": 2, "unit": "g/kg"},
    "period_days": 28,
    "course_days": 2,
    "weight_kg": 70,
    "start_date": date(2021, 1, 1),
}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


REFUSED = [
    (Patient, with_(PATIENT, birth_year_month="1970-13"), "YYYY-MM"),
    (Patient, with_(PATIENT, pseudonym="bad name"), "pseudonym"),
    (
        Patient,
        with_(PATIENT, onset_date=date(2020, 1, 1), diagnosis_date=date(2019, 1, 1)),
        "before onset_date",
    ),
    (Patient, with_(PATIENT, date_of_death=date(2020, 1, 1)), "vital_status is not 'dead'"),
    (Patient, with_(PATIENT, onset_date=date(1960, 1, 1)), "before birth"),
    (
        MedicationCourse,
        with_(DIAZEPAM, stop_date=date(2019, 1, 1), stop_reason="ineffective"),
        "before start_date",
    ),
    (MedicationCourse, with_(DIAZEPAM, stop_date=date(2021, 1, 1)), "stop_reason"),
    (MedicationCourse, with_(DIAZEPAM, dose={"value": 5, "unit": "µg"}), "Input should be"),
    (MedicationCourse, with_(DIAZEPAM, dose={"value": -5, "unit": "mg"}), "greater than 0"),
    (MedicationCourse, with_(DIAZEPAM, times_per_period=None), "regular schedule needs"),
    (MedicationCourse, with_(IVIG, weight_kg=None), "needs weight_kg"),
    (MedicationCourse, with_(IVIG, course_days=None), "cyclic course needs"),
    (MedicationCourse, with_(IVIG, course_days=5, period_days=3), "longer than the interval"),
    (MedicationCourse, with_(DIAZEPAM, unexpected_field=1), "Extra inputs are not permitted"),
    (
        AdverseEvent,
        {"id": "ae", "term": "Fall", "grade": 5, "onset_date": date(2020, 1, 1), "serious": True},
        "grade 5",
    ),
    (
        AdverseEvent,
        {"id": "ae", "term": "Fall", "grade": 4, "onset_date": date(2020, 1, 1)},
        "serious",
    ),
    (
        AdverseEvent,
        {"id": "ae", "term": "Fall", "grade": 6, "onset_date": date(2020, 1, 1)},
        "less than or equal to 5",
    ),
    (
        LabResult,
        {
            "id": "l",
            "analyte": "gad65_antibody",
            "collected_on": date(2020, 1, 1),
            "specimen": "serum",
            "method": "ria",
            "value": 30.0,
        },
        "needs its unit",
    ),
    (
        LabResult,
        {
            "id": "l",
            "analyte": "gad65_antibody",
            "collected_on": date(2020, 1, 1),
            "specimen": "serum",
            "method": "ria",
        },
        "needs a value",
    ),
    (DiaryEntry, {"id": "d", "entry_date": date(2020, 1, 1)}, "empty diary entry"),
    (
        DiaryEntry,
        {"id": "d", "entry_date": date(2020, 1, 1), "stiffness": 11},
        "less than or equal to 10",
    ),
    (
        DiaryEntry,
        {"id": "d", "entry_date": date(2020, 1, 1), "triggers": ["noise", "noise"]},
        "listed twice",
    ),
    (
        Consent,
        {
            "id": "k",
            "kind": "registry",
            "status": "granted",
            "recorded_on": date(2020, 1, 1),
            "withdrawn_on": date(2021, 1, 1),
        },
        "not 'withdrawn'",
    ),
    (
        Procedure,
        {
            "id": "x",
            "kind": "plasmapheresis",
            "start_date": date(2020, 1, 10),
            "end_date": date(2020, 1, 1),
        },
        "before start_date",
    ),
    (
        IntrathecalPump,
        {
            "id": "pump",
            "implanted_on": date(2020, 1, 1),
            "reservoir_volume_ml": 20,
            "refills": [
                {
                    "id": "r1",
                    "refilled_on": date(2020, 2, 1),
                    "volume_ml": 40,
                    "concentration_mcg_per_ml": 500,
                    "daily_dose_mcg": 200,
                }
            ],
        },
        "exceeds the reservoir",
    ),
    (
        Visit,
        {
            "id": "v",
            "visit_date": date(2020, 1, 1),
            "assessments": [
                {"id": "a1", "scale_id": "mrs", "scale_version": "1", "responses": {"grade": 2}},
                {"id": "a2", "scale_id": "mrs", "scale_version": "1", "responses": {"grade": 3}},
            ],
        },
        "recorded twice",
    ),
]


@pytest.mark.parametrize(("model", "data", "message"), REFUSED)
def test_inconsistent_input_is_refused_with_a_clear_message(
    model: Any, data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    assert message in str(caught.value)


def test_valid_courses_are_accepted_and_active_dates_are_half_open() -> None:
    course = MedicationCourse.model_validate(
        with_(DIAZEPAM, stop_date=date(2020, 2, 1), stop_reason="dose_changed")
    )
    assert course.is_active_on(date(2020, 1, 1))
    assert course.is_active_on(date(2020, 1, 31))
    assert not course.is_active_on(date(2020, 2, 1))
    assert MedicationCourse.model_validate(IVIG).dose.unit is DoseUnit.G_PER_KG


def test_domain_objects_are_immutable() -> None:
    patient = Patient.model_validate(PATIENT)
    with pytest.raises(ValidationError):
        patient.sex = "male"  # type: ignore[assignment]


def record(**sections: Any) -> dict[str, Any]:
    return {"patient": PATIENT, **sections}


RECORD_REFUSED = [
    (record(medication_courses=[DIAZEPAM, DIAZEPAM]), "used more than once"),
    (
        record(medication_courses=[with_(DIAZEPAM, previous_course_id="c0")]),
        "continues unknown course c0",
    ),
    (
        record(
            administrations=[
                {
                    "id": "x1",
                    "course_id": "c9",
                    "given_on": date(2021, 1, 1),
                    "dose": {"value": 1, "unit": "g"},
                }
            ]
        ),
        "names unknown course c9",
    ),
    (
        record(
            adverse_events=[
                {
                    "id": "ae",
                    "term": "Somnolence",
                    "grade": 2,
                    "onset_date": date(2021, 1, 1),
                    "suspected_course_ids": ["c1"],
                }
            ]
        ),
        "suspects unknown course c1",
    ),
    (
        record(
            diary_entries=[
                {"id": "d1", "entry_date": date(2021, 1, 1), "stiffness": 3},
                {"id": "d2", "entry_date": date(2021, 1, 1), "stiffness": 4},
            ]
        ),
        "more than one diary entry",
    ),
    (
        record(
            identifiers={
                "given_name": "Ann",
                "family_name": "Example",
                "hospital_number": "H1",
                "date_of_birth": date(1971, 3, 2),
            }
        ),
        "does not match",
    ),
]


@pytest.mark.parametrize(("data", "message"), RECORD_REFUSED)
def test_patient_record_reference_rules(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PatientRecord.model_validate(data)
    assert message in str(caught.value)


def test_record_ids_cover_nested_records() -> None:
    rec = PatientRecord.model_validate(
        record(
            identifiers=PatientIdentifiers(
                given_name="Ann",
                family_name="Example",
                hospital_number="H1",
                date_of_birth=date(1970, 3, 2),
            ),
            visits=[
                {
                    "id": "v1",
                    "visit_date": date(2021, 1, 1),
                    "assessments": [
                        {
                            "id": "a1",
                            "scale_id": "mrs",
                            "scale_version": "1",
                            "responses": {"grade": 2},
                        }
                    ],
                }
            ],
            medication_courses=[DIAZEPAM],
            administrations=[
                Administration(
                    id="x1",
                    course_id="c1",
                    given_on=date(2021, 1, 1),
                    dose={"value": 5, "unit": "mg"},
                )
            ],  # type: ignore[arg-type]
        )
    )
    assert set(rec.record_ids()) == {
        ("patient", "p1"),
        ("visits", "v1"),
        ("assessments", "a1"),
        ("medication_courses", "c1"),
        ("administrations", "x1"),
    }


@pytest.mark.parametrize(
    ("value", "unit", "weight", "expected"),
    [
        (5, DoseUnit.MG, None, 5.0),
        (500, DoseUnit.MCG, None, 0.5),
        (1, DoseUnit.G, None, 1000.0),
        (2, DoseUnit.G_PER_KG, 70, 140_000.0),
        (10, DoseUnit.MG_PER_KG, 60, 600.0),
    ],
)
def test_dose_conversion_to_milligrams(
    value: float, unit: DoseUnit, weight: float | None, expected: float
) -> None:
    assert to_milligrams(value, unit, weight) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("unit", "weight"),
    [
        (DoseUnit.IU, None),
        (DoseUnit.MG_PER_M2, None),
        (DoseUnit.G_PER_KG, None),
        (DoseUnit.CELLS, None),
    ],
)
def test_dose_conversion_refuses_units_that_are_not_masses(
    unit: DoseUnit, weight: float | None
) -> None:
    with pytest.raises(UnitMismatchError):
        to_milligrams(1, unit, weight)


def test_a_boolean_item_response_is_refused_rather_than_read_as_a_number() -> None:
    with pytest.raises(ValidationError, match="not true/false"):
        Visit.model_validate(
            {
                "id": "v",
                "visit_date": date(2020, 1, 1),
                "assessments": [
                    {
                        "id": "a",
                        "scale_id": "mrs",
                        "scale_version": "1",
                        "responses": {"grade": True},
                    }
                ],
            }
        )
