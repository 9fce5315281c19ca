"""Small synthetic cohorts shared by the synth unit tests (generated once per session)."""

from __future__ import annotations

import pytest

from spsreg.synth import CohortConfig, SyntheticPatient, iter_synthetic_patients

SMALL_SEED = 4242


@pytest.fixture(scope="session")
def small_config() -> CohortConfig:
    return CohortConfig(patients=40, sites=3, seed=SMALL_SEED)


@pytest.fixture(scope="session")
def small_cohort(small_config: CohortConfig) -> list[SyntheticPatient]:
    return list(iter_synthetic_patients(small_config))


@pytest.fixture(scope="session")
def treated_cohort() -> list[SyntheticPatient]:
    """A cohort large enough that every therapy line (IVIG, rituximab, pumps, ...) occurs."""
    return list(iter_synthetic_patients(CohortConfig(patients=160, sites=4, seed=77)))


@pytest.fixture(scope="session")
def lapse_cohort() -> list[SyntheticPatient]:
    """Every planted lapse made certain, and severe patients always pumped, to test them all."""
    base = CohortConfig()
    policy = base.policy.model_copy(
        update={
            "abrupt_benzodiazepine_stop": 1.0,
            "opioid_coprescription": 1.0,
            "steroid_course": 1.0,
            "steroid_glucose_gap_t1dm": 1.0,
            "hbv_screen_missing": 1.0,
            "overdue_refill_patient": 1.0,
            "overdue_refill_given_prone": 1.0,
            "itb_access": 1.0,
            "adjunct_probability": 1.0,
            "adjunct_weights": {"tizanidine": 1.0},
            "tizanidine_lft_gap": 1.0,
        }
    )
    config = base.model_copy(update={"patients": 80, "seed": 9, "policy": policy})
    return list(iter_synthetic_patients(config))
