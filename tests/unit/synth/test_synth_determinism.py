"""Same seed, same cohort; patient i depends only on (seed, i); different seeds differ."""

from __future__ import annotations

import json

from spsreg.synth import (
    CohortConfig,
    SyntheticPatient,
    ground_truth_document,
    iter_synthetic_patients,
    synthesize_patient,
)
from spsreg.synth.streams import patient_rng


def _dump(patient: SyntheticPatient) -> str:
    return json.dumps(
        {
            "record": patient.record.model_dump(mode="json"),
            "truth": patient.truth.model_dump(mode="json"),
        },
        sort_keys=True,
    )


def test_the_same_seed_gives_identical_records_and_truth(
    small_config: CohortConfig, small_cohort: list[SyntheticPatient]
) -> None:
    again = list(iter_synthetic_patients(small_config))
    assert [_dump(p) for p in again] == [_dump(p) for p in small_cohort]
    assert ground_truth_document(small_config, [p.truth for p in again]) == ground_truth_document(
        small_config, [p.truth for p in small_cohort]
    )


def test_a_small_cohort_is_the_prefix_of_a_larger_one(
    small_config: CohortConfig, small_cohort: list[SyntheticPatient]
) -> None:
    first_ten = list(iter_synthetic_patients(small_config.model_copy(update={"patients": 10})))
    assert [_dump(p) for p in first_ten] == [_dump(p) for p in small_cohort[:10]]


def test_a_patient_can_be_generated_alone(
    small_config: CohortConfig, small_cohort: list[SyntheticPatient]
) -> None:
    assert _dump(synthesize_patient(small_config, 17)) == _dump(small_cohort[17])


def test_different_seeds_give_different_cohorts(small_config: CohortConfig) -> None:
    one = list(iter_synthetic_patients(small_config.model_copy(update={"patients": 5})))
    other = list(
        iter_synthetic_patients(small_config.model_copy(update={"patients": 5, "seed": 4243}))
    )
    assert all(a.record.patient.id != b.record.patient.id for a, b in zip(one, other, strict=True))
    births = [p.record.identifiers.date_of_birth for p in one if p.record.identifiers]
    other_births = [p.record.identifiers.date_of_birth for p in other if p.record.identifiers]
    assert births != other_births


def test_patient_streams_are_independent_and_reproducible() -> None:
    a = patient_rng(1, 0, "diary").random(4).tolist()
    assert a == patient_rng(1, 0, "diary").random(4).tolist()
    assert a != patient_rng(1, 1, "diary").random(4).tolist()
    assert a != patient_rng(1, 0, "labs").random(4).tolist()
    assert a != patient_rng(2, 0, "diary").random(4).tolist()


def test_output_does_not_depend_on_todays_date(small_config: CohortConfig) -> None:
    assert small_config.end_date.isoformat() == "2026-10-31"
    last = max(
        v.visit_date
        for p in iter_synthetic_patients(small_config.model_copy(update={"patients": 5}))
        for v in p.record.visits
    )
    assert last <= small_config.end_date
