"""The duration of plasmapheresis benefit is recovered from diaries: small bias, 95% coverage.

Seeded synthetic registries of 5 patients each (the blocks of one cohort; patients are generated
independently, so the blocks are independent replicates) are turned into tidy frames exactly as
a registry would be (``frames_from_records``) and analysed with
:func:`plasmapheresis_benefit_duration`. The generator knows each patient's benefit duration (days
the relief is held after the last exchange; a normal draw, mean 21 and SD 7 days, at least 7).
A registry where fewer than 2 patients have a series with diary entries around it gets no
estimate; at least 200 of the 220 must have one.

* Bias: mean over replicates of (estimate - mean true duration of the replicate's analysed
  patients). Tolerance 1.5 days: 7% of the mean duration, a third of one replicate's standard
  error (about 4.5 days) and about 6 Monte-Carlo standard errors of the mean bias (0.25 days), so
  chance does not fail it while a systematic error does: fitting an abrupt end to the gradual
  return of stiffness overstates the duration by about 2.5 days.
* Coverage: share of replicates whose 95% interval contains the population mean duration, the
  exact mean of the generator's duration distribution (the durations do not depend on who gets
  plasmapheresis or keeps a diary). The issue asks for 0.90 to 0.99.

The cohort is generated with the default disease, effect, observation and diary assumptions; only
the treatment policy and the schedule are enriched so that small registries contain patients
treated with plasmapheresis (escalation at an index of 2 of 6 regions or more, an IVIG trial of 4
weeks, plasmapheresis rather than rituximab after IVIG fails, visits every 3-4 months over 3
years), and every patient keeps a diary (diary keeping does not depend on anything else in the
generator). Measured numbers are in docs/analysis.md ("Cohort treatment effects").
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

import numpy as np
import pytest
from scipy import stats

from spsreg.analysis.effects import plasmapheresis_benefit_duration
from spsreg.analysis.frames import frames_from_records
from spsreg.synth import CohortConfig, iter_synthetic_patients
from spsreg.synth.config import ObservationAssumptions, PolicyAssumptions

pytestmark = pytest.mark.slow

REGISTRIES = 220
MIN_ESTIMATES = 200
PATIENTS_PER_REGISTRY = 5
BIAS_TOLERANCE_DAYS = 1.5

CONFIG = CohortConfig(
    patients=REGISTRIES * PATIENTS_PER_REGISTRY,
    seed=42,
    years=3,
    enrolment_spread=0.0,
    diary_participation=1.0,
    policy=PolicyAssumptions(
        ivig_access=1.0,
        uncontrolled_fraction=0.3,
        ivig_trial_days=28,
        rituximab_after_ivig_failure=0.0,
        adjunct_probability=0.0,
        diazepam_max_rung_weights=(1.0, 0.0, 0.0),
        baclofen_max_rung_weights=(1.0, 0.0, 0.0),
        prevalent_baclofen_at_enrolment=1.0,
    ),
    observation=ObservationAssumptions(visit_interval_days_max=120),
)


@dataclass(frozen=True)
class Replicate:
    estimate: float
    low: float
    high: float
    durations: tuple[int, ...]  # the analysed patients' true benefit durations


def _population_mean_duration() -> float:
    """E[max(minimum, round(N(mean, sd)))]: the generator's duration distribution, exactly."""
    effects = CONFIG.effects
    mean, sd = effects.plasmapheresis_benefit_days_mean, effects.plasmapheresis_benefit_days_sd
    days = np.arange(int(mean - 12 * sd), int(mean + 12 * sd) + 1)
    p = stats.norm.cdf(days + 0.5, mean, sd) - stats.norm.cdf(days - 0.5, mean, sd)
    return float(np.sum(np.maximum(days, effects.plasmapheresis_benefit_days_min) * p))


def _replicates() -> list[Replicate | None]:
    results: list[Replicate | None] = []
    block = []
    for patient in iter_synthetic_patients(CONFIG):
        block.append(patient)
        if len(block) < PATIENTS_PER_REGISTRY:
            continue
        frames = frames_from_records([p.record for p in block], as_of=CONFIG.end_date)
        found = plasmapheresis_benefit_duration(frames)
        truths = {p.truth.patient_id: p.truth.plasmapheresis for p in block}
        block = []
        if not found.estimable:
            results.append(None)
            continue
        durations = []
        for patient_id in found.per_patient["patient_id"]:
            assert truths[patient_id].series, "only treated patients are analysed"
            durations.append(truths[patient_id].benefit_duration_days)
        results.append(Replicate(found.estimate, found.low, found.high, tuple(durations)))
    return results


def test_the_duration_of_plasmapheresis_benefit_is_recovered() -> None:
    results = _replicates()
    assert len(results) == REGISTRIES
    replicates = [r for r in results if r is not None]
    assert len(replicates) >= MIN_ESTIMATES, f"only {len(replicates)} registries had an estimate"

    bias = fmean(r.estimate - fmean(r.durations) for r in replicates)
    population = _population_mean_duration()
    coverage = fmean(float(r.low <= population <= r.high) for r in replicates)
    assert 20.5 < population < 21.5
    assert abs(bias) <= BIAS_TOLERANCE_DAYS, f"bias {bias:.2f} days"
    assert 0.90 <= coverage <= 0.99, f"coverage {coverage:.3f} of {population:.2f} days"
