"""Every generated record is valid: domain model, knowledge pack, scale modules; clearly synthetic."""

from __future__ import annotations

from datetime import date

import pytest

from spsreg.domain.record import PatientRecord
from spsreg.domain.scales import score_assessment, validate_responses
from spsreg.domain.validation import validate_record
from spsreg.knowledge import load_knowledge_pack
from spsreg.synth import CohortConfig, SyntheticPatient, generate_sites


def _all_dates(record: PatientRecord) -> list[date]:
    dates = [v.visit_date for v in record.visits]
    dates += [r.collected_on for r in record.lab_results]
    dates += [c.start_date for c in record.medication_courses]
    dates += [c.stop_date for c in record.medication_courses if c.stop_date]
    dates += [a.given_on for a in record.administrations]
    dates += [p.start_date for p in record.procedures]
    dates += [e.onset_date for e in record.adverse_events]
    dates += [d.entry_date for d in record.diary_entries]
    dates += [r.refilled_on for pump in record.pumps for r in pump.refills]
    return dates


def test_records_survive_a_full_revalidation(small_cohort: list[SyntheticPatient]) -> None:
    for patient in small_cohort:
        again = PatientRecord.model_validate(patient.record.model_dump())
        assert again == patient.record


def test_records_pass_knowledge_pack_validation(
    treated_cohort: list[SyntheticPatient], lapse_cohort: list[SyntheticPatient]
) -> None:
    pack = load_knowledge_pack()
    for patient in treated_cohort + lapse_cohort:
        assert validate_record(patient.record, pack, as_of=date(2026, 10, 31)) == []


def test_every_assessment_is_valid_and_scores(small_cohort: list[SyntheticPatient]) -> None:
    for patient in small_cohort:
        for visit in patient.record.visits:
            for assessment in visit.assessments:
                assert validate_responses(assessment) == []
                assert score_assessment(assessment).scale_id == assessment.scale_id


def test_sites_are_synthetic_and_patients_belong_to_them(
    small_config: CohortConfig, small_cohort: list[SyntheticPatient]
) -> None:
    sites = generate_sites(small_config)
    assert [s.id for s in sites] == ["SITE-A", "SITE-B", "SITE-C"]
    assert all("Synthetic" in s.name for s in sites)
    assert {p.record.patient.site_id for p in small_cohort} <= {s.id for s in sites}


def test_many_sites_get_distinct_ids() -> None:
    sites = generate_sites(CohortConfig(sites=30))
    assert len({s.id for s in sites}) == 30
    assert sites[26].id == "SITE-AA"


def test_identifiers_are_clearly_synthetic_and_consistent(
    small_cohort: list[SyntheticPatient],
) -> None:
    for patient in small_cohort:
        identifiers = patient.record.identifiers
        assert identifiers is not None
        birth = identifiers.date_of_birth
        assert patient.record.patient.birth_year_month == f"{birth.year:04d}-{birth.month:02d}"
        assert identifiers.hospital_number.startswith("SYN-")
        assert identifiers.email is not None and identifiers.email.endswith("@example.org")
        assert identifiers.address is not None and "Synthetic Road" in identifiers.address
        assert patient.record.patient.pseudonym.startswith("SYN-")


def test_everything_happens_within_follow_up(small_cohort: list[SyntheticPatient]) -> None:
    for patient in small_cohort:
        record = patient.record
        first = record.visits[0].visit_date
        last = patient.truth.followup_end
        assert all(first <= day <= last for day in _all_dates(record)), record.patient.id
        if record.patient.date_of_death is not None:
            assert record.patient.date_of_death == last
            assert all(c.stop_date is not None for c in record.medication_courses)


@pytest.mark.parametrize("field", ["onset_date", "diagnosis_date"])
def test_disease_dates_precede_enrolment(small_cohort: list[SyntheticPatient], field: str) -> None:
    for patient in small_cohort:
        value = getattr(patient.record.patient, field)
        assert value is not None and value <= patient.record.visits[0].visit_date
