"""Any reasonable configuration yields valid records (hypothesis over sizes, windows, seeds)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from spsreg.domain.record import PatientRecord
from spsreg.domain.validation import validate_record
from spsreg.knowledge import load_knowledge_pack
from spsreg.synth import CohortConfig, iter_synthetic_patients


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**63 - 1),
    years=st.integers(min_value=1, max_value=12),
    sites=st.integers(min_value=1, max_value=40),
    spread=st.floats(min_value=0.0, max_value=0.9),
    end=st.dates(min_value=date(2010, 1, 1), max_value=date(2035, 12, 31)),
    distribution=st.sampled_from(["johns_hopkins_2023", "referral_centre_1998_2014"]),
)
def test_generated_records_are_valid(
    seed: int, years: int, sites: int, spread: float, end: date, distribution: str
) -> None:
    config = CohortConfig(
        patients=3,
        seed=seed,
        years=years,
        sites=sites,
        enrolment_spread=spread,
        end_date=end,
        phenotype_distribution=distribution,
    )
    pack = load_knowledge_pack()
    for patient in iter_synthetic_patients(config):
        assert PatientRecord.model_validate(patient.record.model_dump()) == patient.record
        assert validate_record(patient.record, pack, as_of=end) == []
        assert patient.record.visits[-1].visit_date <= end
        assert len(patient.record.patient.pseudonym) <= 32


def test_a_window_too_early_to_record_births_is_refused() -> None:
    with pytest.raises(ValidationError, match="born before 1900"):
        CohortConfig(end_date=date(1990, 1, 1))


def test_assumptions_that_contradict_themselves_are_refused() -> None:
    base = CohortConfig()
    with pytest.raises(ValidationError, match="wear off before the next"):
        base.effects.model_validate({**base.effects.model_dump(), "ivig_wear_off_day_max": 30})
    with pytest.raises(ValidationError, match="visit_interval_days_min exceeds"):
        base.observation.model_validate(
            {**base.observation.model_dump(), "visit_interval_days_min": 200}
        )
