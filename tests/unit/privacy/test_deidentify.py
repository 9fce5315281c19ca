"""De-identification of a patient record: the PHI canary, keyed ids, ages and free text."""

from __future__ import annotations

import json
import typing
from datetime import date
from types import UnionType
from typing import Any

from pydantic import BaseModel
from record_examples import PHI_CANARY as CANARY
from record_examples import full_record
from record_examples import phi_canary_record as canary_record

from spsreg.domain.record import RECORD_SECTIONS, PatientRecord
from spsreg.privacy.deidentify import (
    FIELD_HANDLING,
    REMOVED_TEXT,
    SAFE_HARBOR_FIELDS,
    DateMethod,
    DeidentificationPolicy,
    deidentify_record,
)
from spsreg.privacy.keys import ExportKey, keyed_pseudonym

KEY_A = ExportKey(bytes(range(32)))
KEY_B = ExportKey(bytes(range(1, 33)))
POLICY = DeidentificationPolicy(as_of=date(2026, 1, 1))


def _json(record: PatientRecord) -> str:
    return record.model_dump_json()


def test_phi_canary_appears_nowhere_in_the_deidentified_record() -> None:
    record = canary_record()
    assert _json(record).lower().count(CANARY) >= 20
    for policy in (POLICY, DeidentificationPolicy(as_of=POLICY.as_of, dates=DateMethod.YEAR_ONLY)):
        text = _json(deidentify_record(record, KEY_A, policy)).lower()
        assert CANARY not in text
        assert "1971-04-14" not in text
        assert "example.org" not in text


def test_identifiers_dropped_and_ids_keyed() -> None:
    record = full_record()
    result = deidentify_record(record, KEY_A, POLICY)
    assert result.identifiers is None
    assert (
        result.patient.id == result.patient.pseudonym == keyed_pseudonym(KEY_A, record.patient.id)
    )
    original_ids = {record_id for _, record_id in record.record_ids()}
    new_ids = {record_id for _, record_id in result.record_ids()}
    assert len(new_ids) == len(original_ids)
    assert not new_ids & original_ids
    assert result.patient.site_id != record.patient.site_id
    # references follow the keyed ids
    course_ids = {course.id for course in result.medication_courses}
    assert {a.course_id for a in result.administrations} <= course_ids
    assert result.medication_courses[1].previous_course_id == result.medication_courses[0].id


def test_same_key_same_output_other_key_other_pseudonyms_and_offsets() -> None:
    record = full_record()
    first = deidentify_record(record, KEY_A, POLICY)
    assert deidentify_record(record, KEY_A, POLICY) == first
    other = deidentify_record(record, KEY_B, POLICY)
    assert other.patient.pseudonym != first.patient.pseudonym
    assert other.visits[0].visit_date != first.visits[0].visit_date
    assert not {i for _, i in other.record_ids()} & {i for _, i in first.record_ids()}


def test_dates_shift_together_and_never_by_zero() -> None:
    record = full_record()
    result = deidentify_record(record, KEY_A, POLICY)
    assert record.patient.onset_date is not None and result.patient.onset_date is not None
    offset = result.patient.onset_date - record.patient.onset_date
    assert offset.days != 0
    assert result.visits[0].visit_date - record.visits[0].visit_date == offset
    assert result.pumps[0].refills[0].alarm_date == record.pumps[0].refills[0].alarm_date + offset  # type: ignore[operator]


def test_year_only_keeps_years_and_drops_diary_entries() -> None:
    record = full_record()
    policy = DeidentificationPolicy(as_of=POLICY.as_of, dates=DateMethod.YEAR_ONLY)
    result = deidentify_record(record, KEY_A, policy)
    assert result.patient.birth_year_month == "1971-01"
    assert result.visits[0].visit_date == date(2018, 1, 1)
    assert result.diary_entries == ()


def test_ages_of_ninety_and_over_are_collapsed() -> None:
    data = full_record().model_dump()
    data["patient"]["birth_year_month"] = "1925-06"
    data["identifiers"]["date_of_birth"] = date(1925, 6, 2)
    record = PatientRecord.model_validate(data)
    for policy in (POLICY, DeidentificationPolicy(as_of=POLICY.as_of, dates=DateMethod.YEAR_ONLY)):
        result = deidentify_record(record, KEY_A, policy)
        birth_year = int(result.patient.birth_year_month[:4])
        assert birth_year >= 1934  # shown as 90 at the (shifted) export date, not 100
        assert result.patient.birth_year_month != "1925-06"


def test_a_patient_who_died_before_ninety_is_not_collapsed() -> None:
    data = full_record().model_dump()
    data["patient"].update(
        birth_year_month="1935-06", vital_status="dead", date_of_death=date(2023, 1, 1)
    )
    data["identifiers"]["date_of_birth"] = date(1935, 6, 2)
    result = deidentify_record(PatientRecord.model_validate(data), KEY_A, POLICY)
    year = int(result.patient.birth_year_month[:4])
    assert 1934 <= year <= 1936  # 87 at death: shifted, not collapsed (90 only by the export date)


def test_free_text_is_dropped_and_required_details_replaced() -> None:
    result = deidentify_record(full_record(), KEY_A, POLICY)
    assert result.patient.genetic_diagnosis is None
    assert result.patient.biobank_link is None
    assert result.lab_results[0].laboratory is None
    assert result.comorbidities[1].detail == REMOVED_TEXT  # kind 'other' needs a detail
    assert result.non_drug_therapies[0].detail is None
    assert result.pumps[0].device is None
    assert {event.term for event in result.adverse_events} == {REMOVED_TEXT}


def test_allowed_adverse_event_terms_are_kept() -> None:
    policy = DeidentificationPolicy(
        as_of=POLICY.as_of, adverse_event_terms=frozenset({"Somnolence"})
    )
    result = deidentify_record(full_record(), KEY_A, policy)
    assert [event.term for event in result.adverse_events] == ["Somnolence", REMOVED_TEXT]


def _text_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Names of every field of a model (nested ones dotted) that can hold a string."""
    found: set[str] = set()
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        args = typing.get_args(annotation)
        nested = [
            a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        inner = [t for a in args for t in (a, *typing.get_args(a))] if args else []
        if nested:
            for sub in nested:
                found |= _text_fields(sub, f"{prefix}{name}.")
        elif (
            annotation is str
            or str in args
            or str in inner
            or (isinstance(annotation, UnionType) and str in args)
            or name == "responses"
            or (args and any(typing.get_origin(a) is dict for a in args))
        ):
            found.add(prefix + name)
    return found


def test_every_text_field_of_the_record_is_classified() -> None:
    classified = {f"{section}.{name}" for section, name in FIELD_HANDLING}
    for section in ("patient", *RECORD_SECTIONS):
        annotation = PatientRecord.model_fields[section].annotation
        args = typing.get_args(annotation)
        model = args[0] if args else annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for name in _text_fields(model):
            if name == "id" or name.endswith(".id"):
                continue
            assert f"{section}.{name}" in classified, f"{section}.{name} is not classified"


def test_safe_harbor_table_covers_the_eighteen_classes() -> None:
    assert [entry.number for entry in SAFE_HARBOR_FIELDS] == list(range(1, 19))
    json.dumps([entry.__dict__ for entry in SAFE_HARBOR_FIELDS])
