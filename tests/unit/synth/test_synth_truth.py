"""The ground-truth document: versioned, JSON-serialisable, consistent with config and records."""

from __future__ import annotations

import json

import pytest

from spsreg.synth import (
    DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
    CohortConfig,
    SyntheticPatient,
    cohort_truth,
    ground_truth_document,
)


def test_the_document_is_versioned_json(
    small_config: CohortConfig, small_cohort: list[SyntheticPatient]
) -> None:
    document = ground_truth_document(small_config, [p.truth for p in small_cohort])
    assert document["format"] == DOCUMENT_FORMAT and document["format_version"] == DOCUMENT_VERSION
    parsed = json.loads(json.dumps(document))
    assert parsed == document
    assert len(parsed["patients"]) == small_config.patients
    assert parsed["realised"]["patients"] == small_config.patients
    patient = parsed["patients"][0]
    assert {"ivig", "plasmapheresis", "rituximab", "visits", "issues", "treatment_lines"} <= set(
        patient
    )


def test_cohort_truth_states_the_true_effects(small_config: CohortConfig) -> None:
    truth = cohort_truth(small_config)
    effects = small_config.effects
    ivig = truth.true_effects["ivig"]
    assert ivig["effect_points_population_mean"] == pytest.approx(
        effects.ivig_responder_probability * effects.ivig_points_mean
    )
    assert ivig["wear_off_day_mean"] == effects.ivig_wear_off_day_mean
    assert ivig["course_interval_days"] == 28
    assert (
        truth.true_effects["plasmapheresis"]["benefit_duration_days_mean"]
        == effects.plasmapheresis_benefit_days_mean
    )
    assert {"stiffness_index", "heightened_sensitivity", "latent"} <= set(truth.observation_model)
    assert [s["gad65_method"] for s in truth.sites] == ["ria", "elisa", "ria"]
    assert truth.simulation_assumptions["effects"]["ivig_points_mean"] == effects.ivig_points_mean


def test_cited_facts_name_their_sources(small_config: CohortConfig) -> None:
    facts = cohort_truth(small_config).cited_facts
    assert any(f["fact"] == "type_1_diabetes prevalence" and f["value"] == 0.30 for f in facts)
    assert all(f["citation"]["reference"] for f in facts)


def test_changing_an_assumption_changes_the_stated_truth() -> None:
    config = CohortConfig()
    stronger = config.model_copy(
        update={"effects": config.effects.model_copy(update={"ivig_points_mean": 3.0})}
    )
    assert cohort_truth(stronger).true_effects["ivig"]["effect_points_mean_among_responders"] == 3.0


def test_realised_summary_counts_the_records(treated_cohort: list[SyntheticPatient]) -> None:
    config = CohortConfig(patients=len(treated_cohort), sites=4, seed=77)
    realised = ground_truth_document(config, [p.truth for p in treated_cohort])["realised"]
    ivig_patients = sum(
        any(c.drug_id == "ivig" for c in p.record.medication_courses) for p in treated_cohort
    )
    assert realised["ivig_treated"] <= ivig_patients
    assert realised["therapy_lines"]["diazepam"] == len(treated_cohort)
    deaths = sum(p.record.patient.date_of_death is not None for p in treated_cohort)
    assert realised["deaths"] == deaths


def test_an_unknown_phenotype_distribution_is_refused() -> None:
    from spsreg.synth import iter_synthetic_patients

    with pytest.raises(ValueError, match="unknown phenotype distribution"):
        next(iter_synthetic_patients(CohortConfig(phenotype_distribution="made_up")))
