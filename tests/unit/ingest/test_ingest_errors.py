"""Translation of validation errors into located, plain-language import problems."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from spsreg.domain import Assessment, MedicationCourse, Patient
from spsreg.ingest.errors import (
    RecordError,
    describe_error,
    errors_from_validation,
    merge_union_errors,
    path_from_loc,
    suggest_code,
)


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        ((), "-"),
        (("patient", "sex"), "patient.sex"),
        (("medication_courses", 2, "dose", "unit"), "medication_courses[2].dose.unit"),
        (
            ("visits", 0, "assessments", 1, "responses", "item 3"),
            'visits[0].assessments[1].responses["item 3"]',
        ),
        (
            ("visits", 0, "assessments", 0, "responses", "q1", "[key]"),
            "visits[0].assessments[0].responses.q1",
        ),
        (("responses", "é x"), 'responses["é x"]'),
        (("responses", "\ud800"), 'responses["\\ud800"]'),
    ],
)
def test_locations_become_dotted_paths(loc: tuple[int | str, ...], path: str) -> None:
    assert path_from_loc(loc) == path


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [("µg", "mcg"), ("ug", "mcg"), ("MG", "mg"), ("Milligram", "mg"), ("ml", "mL"), ("kg", None)],
)
def test_unit_aliases_are_suggested(value: str, suggestion: str | None) -> None:
    assert suggest_code(value, [], is_unit=True) == suggestion


def test_other_codes_are_matched_ignoring_case_spaces_and_hyphens() -> None:
    permitted = ["type_1_diabetes", "thyroid_autoimmunity"]
    assert suggest_code("Type 1 Diabetes", permitted, is_unit=False) == "type_1_diabetes"
    assert suggest_code("thyroid-autoimmunity", permitted, is_unit=False) == "thyroid_autoimmunity"
    assert suggest_code("diabetes", permitted, is_unit=False) is None
    assert suggest_code("µg", permitted, is_unit=False) is None  # unit aliases only for units


def _errors(
    model: type[Patient | MedicationCourse | Assessment], data: dict[str, object]
) -> list[ErrorDetails]:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    return raised.value.errors()


COURSE = {
    "id": "c1",
    "drug_id": "diazepam",
    "route": "oral",
    "intent": "symptomatic",
    "schedule": "regular",
    "dose": {"value": 5, "unit": "mg"},
    "times_per_period": 3,
    "period_days": 1,
    "start_date": "2020-01-01",
}


def test_reasons_name_what_was_found() -> None:
    [unit] = _errors(MedicationCourse, {**COURSE, "dose": {"value": 5, "unit": "µg"}})
    assert describe_error(unit, is_unit=True).endswith("(got 'µg'; did you mean 'mcg'?)")
    assert describe_error(unit, is_unit=False).endswith("(got 'µg')")
    [rule] = _errors(MedicationCourse, {**COURSE, "period_days": None})
    assert describe_error(rule) == "a regular schedule needs times_per_period and period_days"
    [missing] = _errors(MedicationCourse, {k: v for k, v in COURSE.items() if k != "route"})
    assert describe_error(missing) == "required, but missing"
    assert describe_error(missing, missing="required, but the cell is empty") == (
        "required, but the cell is empty"
    )
    [extra] = _errors(MedicationCourse, {**COURSE, "colour": "blue"})
    assert describe_error(extra).startswith("unknown field")
    [long_text] = _errors(MedicationCourse, {**COURSE, "drug_id": "x" * 80})
    assert describe_error(long_text).endswith(f"(got '{'x' * 40}…')")


def test_a_response_fitting_no_type_is_one_problem_not_three() -> None:
    raw = _errors(
        Assessment, {"id": "a", "scale_id": "s", "scale_version": "1", "responses": {"q": [1]}}
    )
    assert len(raw) == 3
    [merged] = merge_union_errors(raw)
    assert merged["loc"] == ("responses", "q")
    assert describe_error(merged) == (
        "Input should be a finite number, a text or empty (null) (got a list)"
    )


def test_one_record_error_per_problem_located_by_the_caller() -> None:
    with pytest.raises(ValidationError) as raised:
        MedicationCourse.model_validate(
            {**COURSE, "route": "mouth", "dose": {"value": -1, "unit": "ug"}}
        )
    errors = errors_from_validation(
        raised.value, lambda loc: ("f.jsonl", 7, path_from_loc(loc)), patient_id="p-1"
    )
    assert [(e.file, e.line, e.field, e.patient_id) for e in errors] == [
        ("f.jsonl", 7, "route", "p-1"),
        ("f.jsonl", 7, "dose.value", "p-1"),
        ("f.jsonl", 7, "dose.unit", "p-1"),
    ]
    assert errors[2].reason.endswith("did you mean 'mcg'?)")


def test_record_errors_are_frozen_and_print_as_one_line() -> None:
    error = RecordError("a.jsonl", 3, "patient.sex", "bad", "p-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        error.line = 4  # type: ignore[misc]
    assert str(error) == "a.jsonl:3: patient.sex: bad (patient p-1)"
    assert str(RecordError("a.jsonl", 3, "-", "bad")) == "a.jsonl:3: -: bad"
