"""Screening scenarios: each patient in exactly one list, with the first failed criterion named
by its label or the missing data named, and a patient without an active contact consent never
among the eligible."""

from __future__ import annotations

from datetime import date

import pytest
from trial_screening_examples import AS_OF, CRITERIA_YAML, EXPECTED, scenario_records

from spsreg.query import MemoryEngine, load_criteria
from spsreg.services.trial_screening import CONTACT_CONSENT, criteria_outline
from spsreg.trials.screening import (
    CriterionOutline,
    Screening,
    ScreeningStatus,
    first_failed,
    screen_patients,
)


def screened() -> Screening:
    cohort = load_criteria(CRITERIA_YAML)
    records = scenario_records()
    result = MemoryEngine().evaluate(cohort, records, as_of=AS_OF)
    consent = MemoryEngine().evaluate(CONTACT_CONSENT, records, as_of=AS_OF)
    return screen_patients(AS_OF, result.patients, criteria_outline(cohort), consent.patient_ids())


@pytest.mark.parametrize("patient_id", sorted(EXPECTED))
def test_each_scenario_lands_in_its_list(patient_id: str) -> None:
    status, contactable, failed, missing = EXPECTED[patient_id]
    patient = {p.patient_id: p for p in screened().patients}[patient_id]
    assert (patient.status.value, patient.contactable) == (status, contactable)
    assert (None if patient.failed is None else patient.failed.key) == failed
    assert len(patient.missing) == missing


def test_failed_criteria_and_missing_data_are_named_for_people() -> None:
    patients = {p.patient_id: p for p in screened().patients}
    assert patients["P04"].failed is not None and patients["P04"].failed.label == "Aged 18 to 75"
    exclusion = patients["P05"].failed
    assert exclusion is not None
    assert (exclusion.kind, exclusion.label) == (
        "not",
        "No anti-CD20 therapy in the last 12 months",
    )
    assert patients["P06"].missing == ("phenotype (not recorded)",)
    assert patients["P07"].missing[0] == "phenotype (not recorded)"
    assert "gad65_antibody" in patients["P07"].missing[1]


def test_no_patient_without_contact_consent_is_eligible() -> None:
    screening = screened()
    assert all(p.contactable for p in screening.with_status(ScreeningStatus.ELIGIBLE))
    assert [p.patient_id for p in screening.with_status(ScreeningStatus.NOT_CONTACTABLE)] == [
        "P02",
        "P03",
    ]


def test_counts_by_site_cover_every_status() -> None:
    counts = screened().counts_by_site()
    assert list(counts) == ["SITE-A", "SITE-B"]
    assert counts["SITE-A"] == {
        ScreeningStatus.ELIGIBLE: 1,
        ScreeningStatus.NOT_CONTACTABLE: 2,
        ScreeningStatus.INELIGIBLE: 3,
        ScreeningStatus.UNDETERMINED: 2,
    }
    assert counts["SITE-B"][ScreeningStatus.ELIGIBLE] == 2


def test_an_any_group_that_failed_is_named_as_a_whole() -> None:
    cohort = load_criteria(
        "criteria: {kind: any, label: Either phenotype, criteria: ["
        "{kind: phenotype, any_of: [perm]}, {kind: phenotype, any_of: [sps_plus]}]}"
    )
    result = MemoryEngine().evaluate(cohort, scenario_records()[:1], as_of=date(2025, 1, 1))
    outline = {node.key: node for node in criteria_outline(cohort)}
    failed = first_failed(outline, "root", result.patients[0])
    assert (failed.key, failed.label) == ("root", "Either phenotype")


def test_a_criterion_without_label_is_described_by_kind_and_key() -> None:
    assert CriterionOutline("2", "phenotype", None).described == "phenotype criterion 2"
